export const testingPlaceholder = true;
