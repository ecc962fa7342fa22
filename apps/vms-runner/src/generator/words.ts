/** Word lists the generator draws names and values from (accents and apostrophes included). */

export const FIRST_NAMES = [
  'Maria', 'James', 'Aaliyah', 'José', 'Chen', 'Fatima', 'Liam', 'Sofía', 'Noah', 'Emma', 'Olivia',
  'DeShawn', 'Priya', 'Mateo', 'Hannah', "D'Andre", 'Zoë', 'Ethan', 'Amara', 'Lucas', 'Mia', 'Omar',
  'Isabella', 'Kwame', 'Grace', 'Nguyen', 'Ava', 'Elijah', 'Camila', 'Yusuf',
] as const;

export const LAST_NAMES = [
  'Smith', 'Johnson', 'García', 'Williams', 'Brown', "O'Brien", 'Nguyen', 'Patel', 'Martínez', 'Lee',
  'Washington', 'Kim', 'Hernández', 'Davis', 'Okafor', 'Müller', 'Rodriguez', 'Wilson', 'Anderson',
  'Thomas', 'Jackson', 'White', 'López', 'Harris', 'Clark', 'Lewis', 'Robinson', 'Walker', 'Young', 'King',
] as const;

export const ORG_WORDS = [
  'Acme', 'Blue', 'River', 'Summit', 'Prairie', 'Heartland', 'Union', 'Metro', 'Cedar', 'Pioneer',
  'Crossroads', 'Liberty', 'Gateway', 'Harbor', 'Northstar', 'Beacon', 'Keystone', 'Frontier',
] as const;

export const SCHOOL_WORDS = [
  'Lincoln', 'Washington', 'Central', 'Westport', 'Northeast', 'Southwest', 'Paseo', 'Garfield',
  'Hogan', 'King', 'Banneker', 'Carver', 'Truman', 'Pembroke', 'Ruskin', 'Wyandotte',
] as const;

export const STREETS = [
  'Main St', 'Grand Blvd', 'Troost Ave', 'Prospect Ave', 'Broadway', 'Oak St', 'Walnut St',
  'Independence Ave', 'State Line Rd', 'Ward Pkwy',
] as const;

export const CITIES = [
  'Kansas City', 'Independence', "Lee's Summit", 'Olathe', 'Overland Park', 'Raytown', 'Grandview',
  'North Kansas City', 'Liberty', 'Blue Springs', 'Shawnee', 'Lenexa',
] as const;

export const SKILLS = [
  'Public Speaking', 'mentoring', 'Engineering', 'Healthcare', 'Finance', 'Coding', 'Marketing',
  'Construction', 'Law', 'Design', 'Teaching', 'Writing',
] as const;

/** Session types as the real org's picklist spells them. */
export const SESSION_TYPES = [
  'Career Speaker', 'IGNITE', 'DIA - Classroom Speaker', 'Workplace Visit', 'Career Fair',
  'Classroom Activity', 'Mentoring', 'Job Shadow', 'Historical, Not Yet Updated', 'Virtual Session',
  'Campus Visit', 'Internship', 'Career Jumping', 'Math Relays', 'Pathway Campus Visits',
] as const;
