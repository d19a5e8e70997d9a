// The host console (/host): sign in, pick or create a conference, add questions, start and end
// the conference, push questions live, close them and reveal results, watch the live results and
// the audience count, moderate the Q&A and download the CSV exports.
import { $, api, el, plural, RoomClient, showResults } from './room-client.js'

const TOKEN_KEY = 'host:accessToken'
let token = sessionStorage.getItem(TOKEN_KEY)
let conference = null
let questions = []
/** @type {RoomClient | null} */
let client = null
const live = { question: null, results: null, closed: false, audienceCount: 0 }
const qa = new Map()

/** API calls as the signed-in host; an expired session sends them back to the sign-in form. */
async function hostApi(path, opts = {}) {
  try {
    return await api(path, { ...opts, token })
  } catch (error) {
    if (error.status === 401 && token) signOut('Your session has expired — sign in again.')
    throw error
  }
}

function show(view) {
  for (const id of ['signin-view', 'list-view', 'console-view']) $(`#${id}`).hidden = id !== view
  $('#sign-out').hidden = view === 'signin-view'
}

function showError(selector, message) {
  $(selector).textContent = message
  $(selector).hidden = !message
}

// ---- Sign in -------------------------------------------------------------------------------------

let registering = false
$('#toggle-register').addEventListener('click', () => {
  registering = !registering
  $('#name-field').hidden = !registering
  $('#signin-name').required = registering
  $('#signin-title').textContent = registering ? 'Create a host account' : 'Sign in'
  $('#signin-button').textContent = registering ? 'Create account' : 'Sign in'
  $('#toggle-register').textContent = registering
    ? 'Already have an account? Sign in'
    : 'New host? Create an account'
  $('#password').autocomplete = registering ? 'new-password' : 'current-password'
})

$('#signin-form').addEventListener('submit', async (e) => {
  e.preventDefault()
  showError('#signin-error', '')
  const email = $('#email').value.trim()
  const password = $('#password').value
  $('#signin-button').disabled = true
  try {
    const res = registering
      ? await api('/api/host/auth/register', {
          method: 'POST',
          json: { email, password, name: $('#signin-name').value.trim() },
        })
      : await api('/api/host/auth/login', { method: 'POST', json: { email, password } })
    token = res.accessToken
    sessionStorage.setItem(TOKEN_KEY, token)
    $('#password').value = ''
    await route()
  } catch (error) {
    showError('#signin-error', error.message)
  } finally {
    $('#signin-button').disabled = false
  }
})

function signOut(message = '') {
  token = null
  sessionStorage.removeItem(TOKEN_KEY)
  client?.stop()
  client = null
  history.replaceState(null, '', '/host')
  show('signin-view')
  showError('#signin-error', message)
}
$('#sign-out').addEventListener('click', () => signOut())

// ---- Conferences ---------------------------------------------------------------------------------

async function route() {
  if (!token) return show('signin-view')
  const id = new URLSearchParams(location.search).get('id')
  return id ? openConference(id) : listConferences()
}

async function listConferences() {
  client?.stop()
  client = null
  history.replaceState(null, '', '/host')
  show('list-view')
  const { conferences } = await hostApi('/api/conference?mine=true&limit=50')
  $('#conference-empty').hidden = conferences.length > 0
  $('#conference-list').replaceChildren(
    ...conferences.map((c) =>
      el(
        'li',
        { class: 'list-item' },
        el(
          'div',
          { class: 'grow' },
          el('strong', {}, c.title),
          el('p', { class: 'muted small' }, `Code ${c.publicCode}`, c.date ? ` · ${c.date}` : ''),
        ),
        statusPill(c.status),
        el('button', { onclick: () => openConference(c.id) }, 'Open'),
      ),
    ),
  )
}

$('#create-form').addEventListener('submit', async (e) => {
  e.preventDefault()
  showError('#create-error', '')
  const json = { title: $('#create-title').value.trim(), speakers: [] }
  if ($('#create-date').value) json.date = $('#create-date').value
  try {
    const res = await hostApi('/api/conference', { method: 'POST', json })
    $('#create-form').reset()
    await openConference(res.conference.id)
  } catch (error) {
    showError('#create-error', error.message)
  }
})

$('#back').addEventListener('click', () => listConferences().catch(consoleError))

function statusPill(status) {
  return el('span', { class: `status-pill ${status.toLowerCase()}` }, status)
}

async function openConference(id) {
  client?.stop()
  client = null
  qa.clear()
  Object.assign(live, { question: null, results: null, closed: false, audienceCount: 0 })
  history.replaceState(null, '', `/host?id=${encodeURIComponent(id)}`)
  try {
    conference = (await hostApi(`/api/conference/${id}`)).conference
  } catch (error) {
    if (error.status !== 401) {
      history.replaceState(null, '', '/host')
      await listConferences()
    }
    return
  }
  show('console-view')
  showError('#console-error', '')
  renderHead()
  renderLive()
  renderQa()
  await loadQuestions()
  if (conference.status !== 'DRAFT') connect()
}

function renderHead() {
  $('#conf-title').textContent = conference.title
  $('#conf-code').textContent = conference.publicCode
  $('#conf-status').replaceWith(Object.assign(statusPill(conference.status), { id: 'conf-status' }))
  $('#start').hidden = conference.status !== 'DRAFT'
  $('#end').hidden = conference.status !== 'ACTIVE'
  document.title = `${conference.title} · Host console`
}

async function setStatus(status) {
  try {
    conference = (
      await hostApi(`/api/conference/${conference.id}`, { method: 'PUT', json: { status } })
    ).conference
    renderHead()
    renderQuestions()
    if (status === 'ACTIVE') connect()
  } catch (error) {
    consoleError(error)
  }
}
$('#start').addEventListener('click', () => setStatus('ACTIVE'))
$('#end').addEventListener('click', () => {
  if (confirm('End the conference? Voting and Q&A stop for everyone.')) setStatus('ENDED')
})

$('#present').addEventListener('click', () => {
  // window.open (not a noopener link) so the new tab gets a copy of this tab's sessionStorage.
  window.open(`/present?id=${encodeURIComponent(conference.id)}`, '_blank')
})

function consoleError(error) {
  showError('#console-error', error.message)
  setTimeout(() => showError('#console-error', ''), 8000)
}

// ---- Live room -----------------------------------------------------------------------------------

function connect() {
  client?.stop()
  const id = conference.id
  client = new RoomClient({
    conferenceId: id,
    async getTicket() {
      if (!token) throw Object.assign(new Error('Signed out'), { fatal: true })
      try {
        return (await hostApi(`/api/conference/${id}/ticket`, { method: 'POST' })).ticket
      } catch (error) {
        if (error.status === 401 || error.status === 404) error.fatal = true
        throw error
      }
    },
    onEvent: apply,
    onState: (state, error) => {
      $('#conn').hidden = state === 'open' || state === 'connecting' || state === 'failed'
      if (state === 'failed' && token) consoleError(error)
    },
    onError: consoleError,
  }).start()
}

/** @param {import('../../shared/conference').ConferenceRoomEvent} event */
function apply(event) {
  switch (event.type) {
    case 'conference.snapshot': {
      const s = event.snapshot
      Object.assign(live, {
        question: s.liveQuestion,
        results: s.results,
        closed: false,
        audienceCount: s.audienceCount,
      })
      qa.clear()
      for (const item of s.qa) qa.set(item.id, item)
      renderQa()
      if (s.status === 'ENDED' && conference.status !== 'ENDED') {
        conference = { ...conference, status: 'ENDED' }
        renderHead()
      }
      break
    }
    case 'question.live':
      Object.assign(live, { question: event.question, results: null, closed: false })
      // It carries the audience size too (it stands for that moment's room.stats).
      if (typeof event.audienceCount === 'number') live.audienceCount = event.audienceCount
      void loadQuestions()
      break
    case 'question.closed':
      if (live.question?.id === event.questionId)
        Object.assign(live, { closed: true, results: event.results })
      void loadQuestions()
      break
    case 'results.revealed':
      if (live.question?.id === event.questionId) {
        live.question = { ...live.question, revealed: true }
        live.results = event.results
      }
      void loadQuestions()
      break
    case 'room.stats':
      live.audienceCount = event.audienceCount
      if (live.question && !live.closed && event.results?.questionId === live.question.id)
        live.results = event.results
      break
    case 'qa.new':
    case 'qa.updated':
      qa.set(event.item.id, event.item)
      return renderQa()
    case 'conference.ended':
      conference = { ...conference, status: 'ENDED' }
      renderHead()
      renderQuestions()
      break
    default:
      return
  }
  renderLive()
}

function renderLive() {
  $('#audience-count').textContent = String(live.audienceCount)
  const q = live.question
  $('#live-empty').hidden = Boolean(q)
  $('#live').hidden = !q
  if (!q) return
  const hidden = q.hideResults && !q.revealed
  $('#live-state').textContent = live.closed
    ? 'Voting closed'
    : `Voting open${hidden ? ' · results hidden from the audience' : ''}`
  $('#live-state').classList.toggle('open', !live.closed)
  $('#live-text').textContent = q.text
  showResults($('#live-chart'), q, live.results)
  $('#live-close').hidden = live.closed
  $('#live-reveal').hidden = !hidden
}

/**
 * @param {'question.push' | 'question.close' | 'question.reveal'} type
 * @param {string} questionId
 */
async function roomAction(type, questionId) {
  try {
    await client.request({ type, questionId })
  } catch (error) {
    consoleError(error)
  }
}
$('#live-close').addEventListener('click', () => roomAction('question.close', live.question.id))
$('#live-reveal').addEventListener('click', () => roomAction('question.reveal', live.question.id))

// ---- Questions -----------------------------------------------------------------------------------

async function loadQuestions() {
  const id = conference.id
  const res = await hostApi(`/api/conference/${id}/questions`).catch(consoleError)
  if (!res || conference.id !== id) return
  questions = res.questions
  renderQuestions()
}

function renderQuestions() {
  const running = conference.status === 'ACTIVE'
  $('#question-empty').hidden = questions.length > 0
  $('#add-question').hidden = conference.status === 'ENDED'
  $('#question-list').replaceChildren(
    ...questions.map((q) => {
      const flags = [
        q.type === 'multiple' ? 'Multiple choice' : 'Single choice',
        plural(q.options.length, 'option'),
        q.hideResults ? (q.revealed ? 'results revealed' : 'results hidden') : null,
        q.allowVoteChange ? 'vote change allowed' : null,
      ].filter(Boolean)
      return el(
        'li',
        { class: `list-item question ${q.status.toLowerCase()}`, dataset: { question: q.id } },
        el(
          'div',
          { class: 'grow' },
          el('strong', {}, q.text),
          el('p', { class: 'muted small' }, flags.join(' · ')),
        ),
        statusPill(q.status === 'ACTIVE' ? 'LIVE' : q.status),
        running && q.status === 'DRAFT'
          ? el(
              'button',
              { class: 'primary', onclick: () => roomAction('question.push', q.id) },
              'Go live',
            )
          : null,
        running && q.status === 'ACTIVE'
          ? el('button', { onclick: () => roomAction('question.close', q.id) }, 'Close')
          : null,
        running && q.hideResults && !q.revealed && q.status !== 'DRAFT'
          ? el('button', { onclick: () => roomAction('question.reveal', q.id) }, 'Reveal')
          : null,
      )
    }),
  )
}

function optionInput(value = '') {
  const input = el('input', { maxlength: '200', placeholder: 'Option', value, required: true })
  const row = el(
    'div',
    { class: 'option-row' },
    input,
    el(
      'button',
      {
        type: 'button',
        class: 'icon',
        'aria-label': 'Remove option',
        onclick: () => {
          if ($('#q-options').children.length > 2) row.remove()
        },
      },
      '×',
    ),
  )
  return row
}
function resetQuestionForm() {
  $('#question-form').reset()
  $('#q-options').replaceChildren(optionInput(), optionInput())
}
resetQuestionForm()
$('#q-add-option').addEventListener('click', () => {
  if ($('#q-options').children.length < 10) $('#q-options').append(optionInput())
  $('#q-options').lastElementChild.querySelector('input').focus()
})

$('#question-form').addEventListener('submit', async (e) => {
  e.preventDefault()
  showError('#question-error', '')
  const json = {
    text: $('#q-text').value.trim(),
    options: [...$('#q-options').querySelectorAll('input')]
      .map((i) => i.value.trim())
      .filter(Boolean),
    type: $('input[name=q-type]:checked').value,
    hideResults: $('#q-hide').checked,
    allowVoteChange: $('#q-change').checked,
  }
  try {
    await hostApi(`/api/conference/${conference.id}/questions`, { method: 'POST', json })
    resetQuestionForm()
    await loadQuestions()
  } catch (error) {
    showError('#question-error', error.message)
  }
})

// ---- Q&A moderation ------------------------------------------------------------------------------

const QA_STATUS = { pending: 'New', approved: 'Approved', hidden: 'Hidden', answered: 'Answered' }

function renderQa() {
  const items = [...qa.values()].sort(
    (a, b) =>
      Number(b.pinned) - Number(a.pinned) ||
      b.upvotes - a.upvotes ||
      a.createdAt.localeCompare(b.createdAt),
  )
  const pending = items.filter((i) => i.status === 'pending').length
  $('#qa-summary').textContent = items.length
    ? `${plural(items.length, 'question')}${pending ? ` · ${pending} new` : ''}`
    : ''
  $('#qa-empty').hidden = items.length > 0
  const moderate = (item, action, label, cls) =>
    el(
      'button',
      {
        class: `small ${cls ?? ''}`,
        onclick: async () => {
          try {
            await client.request({ type: 'qa.moderate', qaId: item.id, action })
          } catch (error) {
            consoleError(error)
          }
        },
      },
      label,
    )
  const running = conference?.status === 'ACTIVE'
  $('#qa-list').replaceChildren(
    ...items.map((item) =>
      el(
        'li',
        {
          class: `qa-item ${item.status}${item.pinned ? ' pinned' : ''}`,
          dataset: { qa: item.id },
        },
        el(
          'div',
          { class: 'qa-body' },
          el('p', { class: 'qa-text' }, item.text),
          el(
            'p',
            { class: 'qa-meta' },
            `${item.authorName ?? 'Anonymous'} · ▲ ${item.upvotes}`,
            el('span', { class: `tag ${item.status}` }, QA_STATUS[item.status]),
            item.pinned ? el('span', { class: 'tag' }, 'Pinned') : null,
          ),
          running
            ? el(
                'div',
                { class: 'actions' },
                item.status === 'pending' || item.status === 'hidden'
                  ? moderate(item, 'approve', item.status === 'hidden' ? 'Show' : 'Approve')
                  : null,
                item.status !== 'hidden' ? moderate(item, 'hide', 'Hide') : null,
                item.status !== 'answered' && item.status !== 'hidden'
                  ? moderate(item, 'answer', 'Answered')
                  : null,
                moderate(item, item.pinned ? 'unpin' : 'pin', item.pinned ? 'Unpin' : 'Pin'),
              )
            : null,
        ),
      ),
    ),
  )
}

// ---- Exports -------------------------------------------------------------------------------------

async function download(what) {
  try {
    const res = await fetch(`/api/conference/${conference.id}/export/${what}.csv`, {
      headers: { authorization: `Bearer ${token}` },
    })
    if (!res.ok) throw new Error((await res.json().catch(() => null))?.message ?? 'Export failed')
    const url = URL.createObjectURL(await res.blob())
    const link = el('a', {
      href: url,
      download: `conference-${conference.publicCode}-${what}.csv`,
    })
    document.body.append(link)
    link.click()
    link.remove()
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
  } catch (error) {
    consoleError(error)
  }
}
$('#export-polls').addEventListener('click', () => download('polls'))
$('#export-qa').addEventListener('click', () => download('qa'))

route().catch((error) => {
  if (token) consoleError(error)
})
