// Videodesk sign-in (being written).
import { createRouter } from '../openapi'

export const videodeskAuth = createRouter()
