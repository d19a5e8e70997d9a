// Account roles shared by the API, the rooms and clients.
export const ROLES = ['USER', 'ADMIN', 'UNIVERSITY', 'HOST', 'SPEAKER'] as const
export type Role = (typeof ROLES)[number]
