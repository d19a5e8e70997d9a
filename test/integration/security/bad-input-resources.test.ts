// Bad input on the resource routes: conferences, chat, courses, marketplace, media, transcoding,
// notifications, presence and the realtime upgrade.
import { fuzzRoutes } from './lib/fuzz-routes'

await fuzzRoutes('resources', (path) =>
  /^\/api\/(conference|chat|courses|marketplace|media|video-transcoding|notifications|users|realtime)|^\/internal\//.test(
    path,
  ),
)
