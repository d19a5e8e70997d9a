// The Worker's handle on a meeting's MeetingRoom object (named by the meeting's `meeting_id`).
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { log } from '../log'

function meetingRoomOf(c: Context<AppEnv>, roomId: string) {
  const ns = c.env.MEETING_ROOM
  return ns.get(ns.idFromName(roomId))
}

/** Tells the room's admin that media was added; best effort, a closed room is no error. */
export async function announceMeetingData(
  c: Context<AppEnv>,
  meeting: { meeting_id: string; recordings: unknown[]; screenshots: unknown[] },
): Promise<void> {
  try {
    await meetingRoomOf(c, meeting.meeting_id).meetingDataAvailable({
      type: 'meeting-data-available',
      meetingId: meeting.meeting_id,
      recordings: meeting.recordings.length,
      screenshots: meeting.screenshots.length,
    })
  } catch (error) {
    log('warn', 'meeting-data-available not delivered', {
      meetingId: meeting.meeting_id,
      error: String(error),
    })
  }
}
