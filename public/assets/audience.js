// The audience page (/join?code=ABC123): join by code, keep the participant token per conference
// in localStorage (a reload keeps the same identity and votes), vote on the live question, see
// results when they are shown, and ask and upvote questions in the Q&A.
import { $, api, el, RoomClient, showResults } from './room-client.js'

const tokenKey = (conferenceId) => `conference:${conferenceId}:participant`
const NAME_KEY = 'conference:name'

const state = {
  conference: null,
  question: null,
  results: null,
  closed: false,
  votes: {},
  /** Multiple choice: the options ticked before submitting, starting from your recorded vote. */
  selection: new Set(),
  selectionFor: null,
  sending: false,
  qa: new Map(),
  upvoted: new Set(),
  sort: 'votes',
  audienceCount: 0,
}
/** @type {RoomClient | null} */
let client = null

// ---- Joining -------------------------------------------------------------------------------------

const params = new URLSearchParams(location.search)
const codeInput = $('#code')
const nameInput = $('#name')
codeInput.value = (params.get('code') ?? '').toUpperCase().slice(0, 6)
nameInput.value = localStorage.getItem(NAME_KEY) ?? ''
codeInput.addEventListener('input', () => {
  codeInput.value = codeInput.value.toUpperCase().replace(/[^A-Z0-9]/g, '')
})

$('#join-form').addEventListener('submit', (e) => {
  e.preventDefault()
  join(codeInput.value.trim(), nameInput.value.trim())
})

async function findConference(code) {
  if (!/^[A-Z0-9]{6}$/.test(code)) throw new Error('The code has 6 letters and digits')
  return (await api(`/api/conference/by-code/${code}`)).conference
}

async function join(code, name) {
  showJoinError('')
  const button = $('#join-button')
  button.disabled = true
  button.textContent = 'Joining…'
  try {
    const conference = await findConference(code)
    const stored = localStorage.getItem(tokenKey(conference.id))
    const body = {}
    if (name) body.name = name
    if (stored) body.participantToken = stored
    const joined = await api(`/api/conference/by-code/${code}/join`, { method: 'POST', json: body })
    localStorage.setItem(tokenKey(conference.id), joined.participantToken)
    if (name) localStorage.setItem(NAME_KEY, name)
    history.replaceState(null, '', `/join?code=${encodeURIComponent(code)}`)
    enterRoom(joined.conference, joined.participantToken, joined.ticket, Boolean(name || stored))
  } catch (error) {
    showJoinError(error.message)
  } finally {
    button.disabled = false
    button.textContent = 'Join'
  }
}

function showJoinError(message) {
  $('#join-error').textContent = message
  $('#join-error').hidden = !message
}

/** Prefilled code: rejoin at once when this browser already has an identity in the conference. */
async function resume() {
  const code = codeInput.value
  if (!code) return codeInput.focus()
  try {
    const conference = await findConference(code)
    $('#conf-title').textContent = conference.title
    if (localStorage.getItem(tokenKey(conference.id))) return join(code, '')
    nameInput.focus()
  } catch (error) {
    showJoinError(error.message)
  }
}

function enterRoom(conference, participantToken, firstTicket, named) {
  state.conference = conference
  $('#conf-title').textContent = conference.title
  $('#join-view').hidden = true
  $('#room-view').hidden = false
  $('#ask-anon').checked = !named
  let ticket = firstTicket
  client = new RoomClient({
    conferenceId: conference.id,
    async getTicket() {
      if (ticket) {
        const once = ticket
        ticket = null
        return once
      }
      try {
        return (
          await api(`/api/conference/${conference.id}/ticket`, {
            method: 'POST',
            json: { participantToken },
          })
        ).ticket
      } catch (error) {
        // A token the server no longer accepts, or a conference that is gone: join again.
        if (error.status === 401 || error.status === 404) {
          localStorage.removeItem(tokenKey(conference.id))
          error.fatal = true
        }
        throw error
      }
    },
    onEvent: apply,
    onState: showConnection,
    onError: (error) => flash(error.message),
  }).start()
}

function showConnection(connection, error) {
  $('#conn').hidden = connection === 'open' || connection === 'connecting'
  if (connection === 'failed') {
    $('#room-view').hidden = true
    $('#join-view').hidden = false
    showJoinError(`${error.message} — join again to continue.`)
  }
}

let flashTimer
function flash(message) {
  const banner = $('#room-error')
  banner.textContent = message
  banner.hidden = false
  clearTimeout(flashTimer)
  flashTimer = setTimeout(() => (banner.hidden = true), 6000)
}

// ---- Room events ---------------------------------------------------------------------------------

/** @param {import('../../shared/conference').ConferenceRoomEvent} event */
function apply(event) {
  switch (event.type) {
    case 'conference.snapshot': {
      const s = event.snapshot
      Object.assign(state, {
        question: s.liveQuestion,
        results: s.results,
        closed: false,
        votes: s.you.votes,
        audienceCount: s.audienceCount,
        qa: new Map(s.qa.map((item) => [item.id, item])),
        upvoted: new Set(s.you.upvoted),
      })
      state.selectionFor = null
      if (s.status === 'ENDED') return ended()
      break
    }
    case 'question.live':
      Object.assign(state, { question: event.question, results: null, closed: false })
      // It carries the audience size too (it stands for that moment's room.stats).
      if (typeof event.audienceCount === 'number') state.audienceCount = event.audienceCount
      state.selectionFor = null
      break
    case 'question.closed':
      if (state.question?.id !== event.questionId) return
      Object.assign(state, { closed: true, results: event.results })
      break
    case 'room.stats':
      // Sent every tick while votes flow: update the numbers only, never rebuild the buttons.
      state.audienceCount = event.audienceCount
      if (state.question && !state.closed) state.results = event.results
      renderCount()
      return renderResults()
    case 'results.revealed':
      if (state.question?.id !== event.questionId) return
      state.question = { ...state.question, revealed: true }
      state.results = event.results
      break
    case 'qa.new':
    case 'qa.updated':
      state.qa.set(event.item.id, event.item)
      return renderQa()
    case 'qa.removed':
      state.qa.delete(event.qaId)
      return renderQa()
    case 'conference.ended':
      return ended()
    default:
      return
  }
  render()
}

function ended() {
  client?.stop()
  $('#room-view').hidden = true
  $('#conn').hidden = true
  $('#ended-view').hidden = false
}

// ---- Poll ----------------------------------------------------------------------------------------

function render() {
  renderCount()
  renderPoll()
  renderQa()
}

function renderCount() {
  $('#people').hidden = false
  $('#audience-count').textContent = String(state.audienceCount)
}

function renderPoll() {
  const q = state.question
  $('#waiting').hidden = Boolean(q)
  $('#question').hidden = !q
  if (!q) return
  const mine = state.votes[q.id] ?? []
  const voted = mine.length > 0
  const locked = state.closed || state.sending || (voted && !q.allowVoteChange)
  const multiple = q.type === 'multiple'
  if (state.selectionFor !== q.id) {
    state.selection = new Set(mine)
    state.selectionFor = q.id
  }
  $('#q-text').textContent = q.text
  $('#q-hint').textContent = multiple ? 'Choose all that apply, then submit' : 'Choose one'
  $('#options').replaceChildren(
    ...q.options.map((option) => {
      const isMine = mine.includes(option.id)
      const selected = multiple ? state.selection.has(option.id) : isMine
      return el(
        'button',
        {
          class: `option${selected ? ' selected' : ''}${isMine && selected ? ' voted' : ''}`,
          'aria-pressed': String(selected),
          disabled: locked,
          dataset: { option: option.id },
          onclick: () => choose(option.id),
        },
        el('span', { class: 'option-mark', 'aria-hidden': 'true' }, selected ? '✓' : ''),
        el('span', { class: 'option-text' }, option.text),
      )
    }),
  )
  const submit = $('#submit-vote')
  submit.hidden = !multiple || locked
  submit.disabled = state.selection.size === 0 || sameAsVote(mine)
  submit.textContent = voted ? 'Change vote' : 'Submit'
  const status = $('#vote-status')
  status.classList.remove('error')
  status.textContent = state.closed
    ? 'Voting is closed'
    : voted
      ? q.allowVoteChange
        ? 'Vote recorded — you can change it until voting closes'
        : 'Thanks, your vote is in'
      : ''
  renderResults()
}

/** Results once you have voted (or voting closed), if the question shows them. */
function renderResults() {
  const q = state.question
  if (!q) return
  const mine = state.votes[q.id] ?? []
  const container = $('#results')
  if (state.results && (mine.length > 0 || state.closed))
    showResults(container, q, state.results, { mine })
  else if (mine.length > 0 && q.hideResults && !q.revealed)
    container.replaceChildren(
      el('p', { class: 'muted small center' }, 'Results will be shown later'),
    )
  else container.replaceChildren()
}

function sameAsVote(mine) {
  return mine.length === state.selection.size && mine.every((o) => state.selection.has(o))
}

function choose(optionId) {
  const q = state.question
  if (q.type === 'multiple') {
    if (state.selection.has(optionId)) state.selection.delete(optionId)
    else state.selection.add(optionId)
    return renderPoll()
  }
  vote([optionId])
}

$('#submit-vote').addEventListener('click', () => vote([...state.selection]))

async function vote(optionIds) {
  const q = state.question
  state.sending = true
  renderPoll()
  try {
    const ack = await client.request({ type: 'vote', questionId: q.id, optionIds })
    state.votes = { ...state.votes, [ack.questionId]: ack.optionIds }
    state.sending = false
    renderPoll()
  } catch (error) {
    state.sending = false
    renderPoll()
    $('#vote-status').textContent = error.message
    $('#vote-status').classList.add('error')
  }
}

// ---- Q&A -----------------------------------------------------------------------------------------

for (const [tab, panel] of [
  ['#tab-poll', '#poll-panel'],
  ['#tab-qa', '#qa-panel'],
]) {
  $(tab).addEventListener('click', () => {
    for (const t of document.querySelectorAll('[role=tab]'))
      t.setAttribute('aria-selected', String(t === $(tab)))
    $('#poll-panel').hidden = panel !== '#poll-panel'
    $('#qa-panel').hidden = panel !== '#qa-panel'
  })
}

for (const sort of ['votes', 'recent']) {
  $(`#sort-${sort}`).addEventListener('click', () => {
    state.sort = sort
    $('#sort-votes').setAttribute('aria-pressed', String(sort === 'votes'))
    $('#sort-recent').setAttribute('aria-pressed', String(sort === 'recent'))
    renderQa()
  })
}

function sortedQa() {
  const items = [...state.qa.values()].filter((i) => i.status !== 'hidden')
  return items.sort(
    (a, b) =>
      Number(b.pinned) - Number(a.pinned) ||
      (state.sort === 'votes' ? b.upvotes - a.upvotes : 0) ||
      (state.sort === 'votes' ? 1 : -1) * a.createdAt.localeCompare(b.createdAt),
  )
}

function renderQa() {
  const items = sortedQa()
  $('#qa-count').textContent = String(items.length)
  $('#qa-count').hidden = items.length === 0
  $('#qa-empty').hidden = items.length > 0
  $('#qa-list').replaceChildren(
    ...items.map((item) => {
      const upvoted = state.upvoted.has(item.id)
      return el(
        'li',
        { class: `qa-item${item.pinned ? ' pinned' : ''}`, dataset: { qa: item.id } },
        el(
          'div',
          { class: 'qa-body' },
          el('p', { class: 'qa-text' }, item.text),
          el(
            'p',
            { class: 'qa-meta' },
            item.authorName ?? 'Anonymous',
            item.pinned ? el('span', { class: 'tag' }, 'Pinned') : null,
            item.status === 'answered' ? el('span', { class: 'tag ok' }, 'Answered') : null,
          ),
        ),
        el(
          'button',
          {
            class: `upvote${upvoted ? ' on' : ''}`,
            'aria-pressed': String(upvoted),
            'aria-label': `Upvote (${item.upvotes})`,
            disabled: upvoted,
            onclick: () => upvote(item.id),
          },
          el('span', { 'aria-hidden': 'true' }, '▲'),
          String(item.upvotes),
        ),
      )
    }),
  )
}

async function upvote(qaId) {
  try {
    await client.request({ type: 'qa.upvote', qaId })
    state.upvoted.add(qaId)
  } catch (error) {
    if (error.code === 'CONFLICT') state.upvoted.add(qaId)
    else flash(error.message)
  }
  renderQa()
}

$('#ask-form').addEventListener('submit', async (e) => {
  e.preventDefault()
  const text = $('#ask-text').value.trim()
  const status = $('#ask-status')
  if (!text) return
  $('#ask-button').disabled = true
  try {
    await client.request({ type: 'qa.ask', text, anonymous: $('#ask-anon').checked })
    $('#ask-text').value = ''
    status.classList.remove('error')
    status.textContent = 'Sent — thanks for your question!'
  } catch (error) {
    status.classList.add('error')
    status.textContent = error.message
  } finally {
    $('#ask-button').disabled = false
  }
})

void resume()
