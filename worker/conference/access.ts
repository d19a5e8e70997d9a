// Who someone is in a conference: its host (or an admin), one of its speakers, or the audience;
// and who may see it at all (a DRAFT only its host and speakers).
import type { ConferenceRole } from '../../shared/conference'
import { AppError } from '../errors'
import type { ConferenceDoc } from './store'
import type { UserDoc } from '../auth/users-store'

export function conferenceRole(
  conference: ConferenceDoc,
  user: UserDoc | undefined,
): ConferenceRole {
  if (!user) return 'audience'
  if (user.role === 'ADMIN' || conference.hostId.equals(user._id)) return 'host'
  if (conference.speakers.some((s) => s.userId?.equals(user._id))) return 'speaker'
  return 'audience'
}

/** 404 (not 403) for a DRAFT the caller does not run: its existence is not disclosed. */
export function assertVisible(
  conference: ConferenceDoc | null,
  user: UserDoc | undefined,
): ConferenceDoc {
  if (
    !conference ||
    (conference.status === 'DRAFT' && conferenceRole(conference, user) === 'audience')
  ) {
    throw new AppError('NOT_FOUND', 'Conference not found')
  }
  return conference
}

export function assertRunsConference(
  conference: ConferenceDoc,
  user: UserDoc,
  roles: ConferenceRole[] = ['host'],
) {
  if (!roles.includes(conferenceRole(conference, user))) {
    throw new AppError('FORBIDDEN', `Only the conference's ${roles.join(' or ')} can do this`)
  }
}
