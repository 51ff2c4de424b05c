"""Every kind of job and the rule that does it: the one registry the workers run.

A domain schedules with `integrations.jobs.schedule(db, KIND, key, due_at, payload)`
and adds its kind here, next to the handler in its own rules module.
"""

from sannong.integrations.jobs import Handler
from sannong.rules import consultations, lectures, orders
from sannong.rules.alerts import ALERT_FANOUT, announce_alert
from sannong.rules.notices import NOTICE_SMS, send_notice_sms

HANDLERS: dict[str, Handler] = {
    consultations.REMINDER_KIND: consultations.send_consultation_reminder,
    lectures.REMINDER_KIND: lectures.send_lecture_reminder,
    orders.REPAIR_KIND: orders.run_stock_repair,  # a listing's holds and orders into step
    NOTICE_SMS: send_notice_sms,  # a notice's SMS to the residents of its region, a batch a job
    ALERT_FANOUT: announce_alert,  # a warning to the residents of its regions, in-app and SMS
}
