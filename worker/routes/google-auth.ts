// Google sign-in (being written).
import { createRouter } from '../openapi'

export const googleAuth = createRouter()
