"""Email delivery: the outbox, suppressions, the mailer and the dispatcher.

The web process never talks to an SMTP server. A service that wants a person
to receive an email calls :func:`pact_tracker.campaigns.services.queue_email`
in the same transaction as the change that caused it; the worker
(``flask pact worker``) delivers the queued rows. Reminder policies and
campaigns build on the same outbox.
"""
