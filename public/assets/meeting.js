// A minimal meeting client: the owner opens /meeting.html?room=<id> signed in (cookie); the
// resident opens the invite link (…&token=<link token>). Both get a socket ticket and the ICE
// servers, join the room, and set up one RTCPeerConnection: the admin offers when the guest says
// its camera is on, the guest answers, and ICE candidates trickle through the room. Checked by
// `npm run typecheck` (tsconfig.pages.json) against the room's protocol in shared/meeting.ts.

const params = new URLSearchParams(location.search)
const roomId = params.get('room') ?? ''
const linkToken = params.get('token')
const statusEl = document.getElementById('status')
const state = { role: null, pc: null, socket: null }
// Exposed for tests and debugging.
const hooks = /** @type {{ __meeting?: typeof state }} */ (window)
hooks.__meeting = state

const show = (text) => (statusEl.textContent = text)
const video = (id) => /** @type {HTMLVideoElement} */ (document.getElementById(id))

async function postJson(path, body) {
  const res = await fetch(path, {
    method: 'POST',
    credentials: 'include',
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  })
  const json = await res.json()
  if (!res.ok) throw new Error(json.message ?? `HTTP ${res.status}`)
  return json
}

/** @param {import('../../shared/meeting').MeetingRequest} message */
function send(message) {
  state.socket?.send(JSON.stringify(message))
}

function newPeerConnection(iceServers, stream) {
  state.pc?.close()
  const pc = new RTCPeerConnection({ iceServers })
  for (const track of stream.getTracks()) pc.addTrack(track, stream)
  // A gathered candidate's toJSON() always carries its `candidate` line (the DOM type leaves it
  // optional for hand-made ones).
  pc.onicecandidate = (e) =>
    send({
      type: 'ice-candidate',
      candidate: /** @type {import('../../shared/meeting').IceCandidate} */ (
        e.candidate?.toJSON() ?? null
      ),
    })
  pc.ontrack = (e) => (video('remote').srcObject = e.streams[0])
  pc.onconnectionstatechange = () => show(`Call ${pc.connectionState}`)
  state.pc = pc
  return pc
}

/**
 * @param {import('../../shared/meeting').MeetingServerMessage} event
 * @param {{ iceServers: RTCIceServer[], stream: MediaStream }} ctx
 */
async function handle(event, ctx) {
  switch (event.type) {
    // The room says so once per arrival of the admin (or at once when the guest joins after it).
    case 'admin-waiting':
      send({ type: 'user-started-session' })
      break
    case 'user-opened-link':
      show('The guest opened the link')
      break
    case 'user-started-session': {
      const pc = newPeerConnection(ctx.iceServers, ctx.stream)
      await pc.setLocalDescription(await pc.createOffer())
      send({ type: 'offer', sdp: { type: 'offer', sdp: pc.localDescription.sdp } })
      break
    }
    case 'offer': {
      const pc = newPeerConnection(ctx.iceServers, ctx.stream)
      await pc.setRemoteDescription(event.sdp)
      await pc.setLocalDescription(await pc.createAnswer())
      send({ type: 'answer', sdp: { type: 'answer', sdp: pc.localDescription.sdp } })
      break
    }
    case 'answer':
      await state.pc?.setRemoteDescription(event.sdp)
      break
    case 'ice-candidate':
      if (event.candidate) await state.pc?.addIceCandidate(event.candidate)
      break
    case 'user-disconnected':
      show(`The ${event.role} left`)
      break
    case 'error':
      show(`Error: ${event.message}`)
      break
  }
}

async function start() {
  const ticket = linkToken
    ? await postJson(`/api/v1/meeting-rooms/${encodeURIComponent(roomId)}/guest-ticket`, {
        token: linkToken,
      })
    : await postJson(`/api/v1/meeting-rooms/${encodeURIComponent(roomId)}/ticket`)
  state.role = ticket.role
  document.getElementById('role').textContent = `You are the ${ticket.role}`
  const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true })
  video('local').srcObject = stream
  const ctx = { iceServers: ticket.iceServers, stream }
  const socket = new WebSocket(new URL(ticket.url, location.href.replace(/^http/, 'ws')))
  state.socket = socket
  // Events are handled one at a time: a candidate must not overtake the offer it belongs to.
  let queue = Promise.resolve()
  socket.onmessage = (e) => {
    const event = JSON.parse(e.data)
    queue = queue.then(() => handle(event, ctx)).catch((error) => show(`Error: ${error.message}`))
  }
  socket.onopen = () => {
    show('Waiting for the other side…')
    send({ type: 'join-room', rid: 'join' })
  }
  socket.onclose = () => show('Disconnected')
}

start().catch((error) => show(`Error: ${error.message}`))
