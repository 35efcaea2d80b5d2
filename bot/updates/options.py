"""UpdateOptions: the proactive-update settings, validated once and turned into values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from bot.app.settings import Settings
from bot.errors import ConfigurationInvalid
from bot.updates.milestones import ALL_MILESTONES, Milestone, parse_milestones
from bot.updates.quiet import QuietHours, parse_hours, parse_zone_overrides, zone


@dataclass(frozen=True, slots=True)
class SmtpOptions:
    host: str
    port: int
    user: str | None
    password: str | None
    tls: str  # "starttls", "tls" or "none"
    sender: str
    timeout: float = 30.0


@dataclass(frozen=True, slots=True)
class UpdateOptions:
    """What to tell, on which channel, when, and how fast (see .env.example)."""

    dm: bool = True
    email: bool = False
    milestones: frozenset[Milestone] = frozenset(ALL_MILESTONES)
    quiet: QuietHours = field(default_factory=QuietHours)
    burst: timedelta = timedelta(minutes=5)
    rate: float = 2.0  # updates enqueued per second (their own budget, beside replies)
    in_flight: int = 4  # update DMs unfinished in the outbox at once, at most
    tick: float = 5.0  # seconds between the notifier's rounds (rung earlier by pushes)
    poll: bool = True
    poll_every: float = 60.0  # seconds between the poller's rounds
    poll_min: timedelta = timedelta(minutes=15)
    poll_max: timedelta = timedelta(hours=12)
    quota_backoff: float = 4.0
    follow_for: timedelta = timedelta(days=45)
    smtp: SmtpOptions | None = None
    email_rate: float = 1.0
    unsubscribe_secret: bytes | None = None
    public_url: str = "http://127.0.0.1:8080"
    store_name: str = ""  # none: the emails name no shop

    @property
    def email_enabled(self) -> bool:
        return self.email and self.smtp is not None and self.unsubscribe_secret is not None


def options_from(settings: Settings) -> UpdateOptions:
    """The options these settings describe.

    Raises ConfigurationInvalid naming the first bad setting (a milestone, the quiet hours, a
    time zone, or email enabled without its SMTP host, sender and unsubscribe secret).
    """
    s = settings
    try:
        milestones = parse_milestones(s.updates_milestones)
    except ValueError as exc:
        raise ConfigurationInvalid(f"setting WISMO_UPDATES_MILESTONES is invalid: {exc}") from exc
    try:
        hours = parse_hours(s.updates_quiet_hours)
    except ValueError as exc:
        raise ConfigurationInvalid(f"setting WISMO_UPDATES_QUIET_HOURS is invalid: {exc}") from exc
    try:
        zone(s.updates_time_zone)
    except ValueError as exc:
        raise ConfigurationInvalid(f"setting WISMO_UPDATES_TIME_ZONE is invalid: {exc}") from exc
    try:
        overrides = parse_zone_overrides(s.updates_time_zones)
    except ValueError as exc:
        raise ConfigurationInvalid(f"setting WISMO_UPDATES_TIME_ZONES is invalid: {exc}") from exc
    smtp: SmtpOptions | None = None
    secret = s.unsubscribe_secret.get_secret_value().encode() if s.unsubscribe_secret else None
    if s.updates_email:
        missing = [
            name
            for name, value in (
                ("WISMO_SMTP_HOST", s.smtp_host),
                ("WISMO_EMAIL_FROM", s.email_from),
                ("WISMO_UNSUBSCRIBE_SECRET", secret),
            )
            if not value
        ]
        if missing:
            raise ConfigurationInvalid(
                f"setting WISMO_UPDATES_EMAIL is on but {', '.join(missing)} is not set"
            )
    if s.smtp_host and s.email_from:
        smtp = SmtpOptions(
            host=s.smtp_host,
            port=s.smtp_port,
            user=s.smtp_user,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            tls=s.smtp_tls,
            sender=s.email_from,
        )
    return UpdateOptions(
        dm=s.updates_dm,
        email=s.updates_email,
        milestones=milestones,
        quiet=QuietHours(hours=hours, default_zone=s.updates_time_zone, overrides=overrides),
        burst=timedelta(seconds=s.updates_burst_seconds),
        rate=s.updates_rate,
        in_flight=s.updates_in_flight,
        tick=s.updates_tick_seconds,
        poll=s.updates_poll,
        poll_every=s.updates_poll_seconds,
        poll_min=timedelta(minutes=s.updates_poll_min_minutes),
        poll_max=timedelta(hours=s.updates_poll_max_hours),
        quota_backoff=s.updates_quota_backoff,
        follow_for=timedelta(days=s.updates_follow_days),
        smtp=smtp,
        email_rate=s.email_rate,
        unsubscribe_secret=secret,
        public_url=s.public_base_url,
        store_name=s.store_name,
    )


__all__ = ["SmtpOptions", "UpdateOptions", "options_from"]
