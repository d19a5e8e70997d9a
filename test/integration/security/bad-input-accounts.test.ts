// Bad input on the sign-in, account, admin, Videodesk and dev-capture routes.
import { fuzzRoutes } from './lib/fuzz-routes'

await fuzzRoutes(
  'accounts',
  (path) =>
    !/^\/api\/(conference|chat|courses|marketplace|media|video-transcoding|notifications|users|realtime)|^\/internal\//.test(
      path,
    ),
)
