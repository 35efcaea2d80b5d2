"""SMS updates: parcel milestones by text message, to buyers who asked for them.

errors.py     SmsError and its tree (what a provider call can end in)
phone.py      E.164 normalisation (phonenumbers) and finding a number in a DM
segments.py   GSM-7 / UCS-2 segment counting (docs/sms.md, Segments)
keywords.py   STOP / START / HELP in eight languages (docs/sms.md, Opt-out keywords)
wording.py    the short text of an update, and the keyword and opt-in answers
provider.py   SmsProvider: what the channel needs of a provider (Twilio first)
twilio.py     Twilio's Messages API over httpx, and its webhook signature
tables.py     consents, the SMS queue, delivery-status events
consent.py    opt-in, stop and start, per phone number
queue.py      SmsQueue: the notifier's SMS channel (composes and queues)
sender.py     SmsSender: the worker that sends the queue, paced and within a daily budget
inbound.py    what an inbound SMS and a status callback do
options.py    SmsOptions from settings
runtime.py    SmsChannel: all of it built from options
console.py    what the console shows of a conversation's texts and consent
metrics.py    the /metrics families of the channel

The opt-in flow of the DM is bot/dialogue/sms_opt_in.py; the routes are bot/routes/sms.py; the
facts all of it relies on are in docs/sms.md.
"""
