"""Every kind of job and the rule that does it: the one registry the workers run.

A domain schedules with `integrations.jobs.schedule(db, KIND, key, due_at, payload)`
and adds its kind here, next to the handler in its own rules module.
"""

from sannong.integrations.jobs import Handler
from sannong.rules import consultations, lectures

HANDLERS: dict[str, Handler] = {
    consultations.REMINDER_KIND: consultations.send_consultation_reminder,
    lectures.REMINDER_KIND: lectures.send_lecture_reminder,
}
