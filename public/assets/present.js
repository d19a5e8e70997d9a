// The presenter view (/present?id=…) for the venue screen: the QR code, join address and code, the
// live question with its results (kept hidden until revealed when the question hides them) and the
// audience count. Signed in through the host console's token, copied into this tab's
// sessionStorage when the console opens it.
import { $, api, el, plural, RoomClient, showResults } from './room-client.js'

const token = sessionStorage.getItem('host:accessToken')
const conferenceId = new URLSearchParams(location.search).get('id')
const state = { question: null, results: null, closed: false, audienceCount: 0, ended: false }

function message(text) {
  $('#stage').hidden = true
  $('#message').hidden = false
  $('#message-text').textContent = text
}

async function main() {
  if (!conferenceId) return message('Open the presenter view from the host console.')
  if (!token)
    return message('Sign in to the host console in this browser, then open the presenter view.')
  let conference
  try {
    conference = (await api(`/api/conference/${encodeURIComponent(conferenceId)}`, { token }))
      .conference
  } catch (error) {
    return message(error.message)
  }
  document.title = `${conference.title} · Presenter view`
  $('#conf-title').textContent = conference.title
  const join = new URL(conference.joinUrl)
  $('#join-host').textContent = `${join.host}${join.pathname}`
  $('#join-code').textContent = conference.publicCode
  $('#stage').hidden = false
  void showQr()
  if (conference.status === 'DRAFT') await waitForStart()
  connect()
}

/** The QR image, fetched with the host's token (a DRAFT conference's code is not public yet). */
async function showQr() {
  const res = await fetch(`/api/conference/${conferenceId}/qr.svg`, {
    headers: { authorization: `Bearer ${token}` },
  })
  if (res.ok) $('#qr').src = URL.createObjectURL(await res.blob())
}

async function waitForStart() {
  $('#waiting p').textContent = 'Scan the code to join — we start in a moment'
  for (;;) {
    await new Promise((r) => setTimeout(r, 3000))
    const res = await api(`/api/conference/${conferenceId}`, { token }).catch(() => null)
    if (res && res.conference.status !== 'DRAFT') break
  }
  $('#waiting p').textContent = 'Scan the code to join — the next question is coming up'
}

function connect() {
  new RoomClient({
    conferenceId,
    async getTicket() {
      try {
        return (await api(`/api/conference/${conferenceId}/ticket`, { method: 'POST', token }))
          .ticket
      } catch (error) {
        if (error.status === 401 || error.status === 404) error.fatal = true
        throw error
      }
    },
    onEvent: apply,
    onState: (connection, error) => {
      $('#conn').hidden = connection === 'open' || connection === 'connecting'
      if (connection === 'failed') message(error.message)
    },
  }).start()
}

/** @param {import('../../shared/conference').ConferenceRoomEvent} event */
function apply(event) {
  switch (event.type) {
    case 'conference.snapshot': {
      const s = event.snapshot
      Object.assign(state, {
        question: s.liveQuestion,
        results: s.results,
        closed: false,
        audienceCount: s.audienceCount,
        ended: s.status === 'ENDED',
      })
      break
    }
    case 'question.live':
      Object.assign(state, { question: event.question, results: null, closed: false })
      // It carries the audience size too (it stands for that moment's room.stats).
      if (typeof event.audienceCount === 'number') state.audienceCount = event.audienceCount
      break
    case 'question.closed':
      if (state.question?.id === event.questionId)
        Object.assign(state, { closed: true, results: event.results })
      break
    case 'results.revealed':
      if (state.question?.id === event.questionId) {
        state.question = { ...state.question, revealed: true }
        state.results = event.results
      }
      break
    case 'room.stats':
      state.audienceCount = event.audienceCount
      if (state.question && !state.closed && event.results?.questionId === state.question.id)
        state.results = event.results
      break
    case 'conference.ended':
      state.ended = true
      break
    default:
      return
  }
  render()
}

function render() {
  $('#audience-count').textContent = String(state.audienceCount)
  $('#audience-label').textContent = state.audienceCount === 1 ? 'person' : 'people'
  const q = state.ended ? null : state.question
  $('#ended').hidden = !state.ended
  $('#waiting').hidden = Boolean(q) || state.ended
  $('#question').hidden = !q
  if (!q) return
  $('#live-state').textContent = state.closed ? 'Voting closed' : 'Vote now'
  $('#live-state').classList.toggle('open', !state.closed)
  $('#q-text').textContent = q.text
  const total = state.results?.totalResponses ?? 0
  if (!q.hideResults || q.revealed) showResults($('#chart'), q, state.results)
  else
    $('#chart').replaceChildren(
      el(
        'p',
        { class: 'hidden-results' },
        `${plural(total, 'vote')} so far — results will be revealed later`,
      ),
    )
}

function toggleFullscreen() {
  if (document.fullscreenElement) void document.exitFullscreen()
  else void document.documentElement.requestFullscreen?.()
}
$('#fullscreen').addEventListener('click', toggleFullscreen)
document.addEventListener('keydown', (e) => {
  if (e.key === 'f' || e.key === 'F') toggleFullscreen()
})
document.addEventListener('fullscreenchange', () => {
  $('#fullscreen').hidden = Boolean(document.fullscreenElement)
})

void main()
