/** The slice of `attachAlerts`'s handle the flows use. */
export interface HealthResultLike {
  name: string;
  ok: boolean;
  message?: string;
  details?: Record<string, string | number | boolean>;
}

/** Where the health check reports its results (an `attachAlerts` handle fits). */
export interface AlertsHandle {
  reportHealth(results: HealthResultLike[]): unknown;
}
