"""Sending the reports: ``kam send``.

* :mod:`kamlib.mail.flow`: the whole ``send`` flow, top to bottom;
* :mod:`kamlib.mail.compose`: the mails (MIME, templates, stable Message-IDs) and their checks;
* :mod:`kamlib.mail.outbox`: ``.eml`` files, plan, preview and the send log;
* :mod:`kamlib.mail.smtp`: the SMTP session (STARTTLS, TLS, relay; password or XOAUTH2).
"""
