"""create_app: the one place that builds and wires every object of the running service.

Whatever the settings can get wrong fails in create_app, before anything starts. Each resource
is then opened in a cleanup_ctx step of its own (bot/app/resources.py), the background work in
steps appended after them (bot/app/workers.py), so they stop first.
"""

from __future__ import annotations

import random as random_module
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import keys
from bot.app.accounts import account_shortcut, instagram_accounts, secret_box
from bot.app.console_ports import console_context
from bot.app.orders import store_connector
from bot.app.resources import databases, http_client, intake, tracking_service
from bot.app.retention import retention_job
from bot.app.settings import Settings
from bot.app.silence import delivery_sweeper
from bot.app.token_job import token_refresher
from bot.app.tracking import build_receivers, plan_tracking
from bot.app.workers import (
    Tuning,
    message_workers,
    proactive_updates,
    recovery,
    reply_catalogs,
    sms_updates,
    tracking_sweeper,
)
from bot.pipeline.dialogue_port import Responder
from bot.pipeline.doorbell import Doorbell
from bot.pipeline.sender import SendApi
from bot.routes.health import routes as health_routes
from bot.routes.metrics import routes as metrics_routes
from bot.routes.sms import routes as sms_routes
from bot.routes.unsubscribe import routes as update_routes
from bot.routes.webhook import routes as webhook_routes
from bot.sms.options import sms_options_from
from bot.updates.options import options_from as update_options_from
from carriers import PushOutcome, ServiceOptions
from carriers.push_routes import push_routes
from conversations.console import api_app, console_app


def _utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings,
    *,
    engine: AsyncEngine | None = None,
    http: httpx.AsyncClient | None = None,
    clock: Callable[[], datetime] = _utc_now,
    random: Callable[[], float] = random_module.random,
    responder: Responder | None = None,
    send_api: SendApi | None = None,
    tuning: Tuning = Tuning(),  # noqa: B008 (frozen value)
    workers: bool = True,
    tracking_options: ServiceOptions | None = None,
) -> web.Application:
    """Build the aiohttp application and, unless `workers` is False, its background workers.

    Anything passed in (engine, httpx client) is used and left open for its owner. The
    responder defaults to the dialogue; the Send API client to Meta's at the configured host;
    the tracking service's options to WISMO_TRACKING_FRESHNESS and WISMO_SOURCE_BUDGETS.
    Raises ConfigurationInvalid for settings that cannot work (checked before anything runs).
    """
    tracking = plan_tracking(settings, options=tracking_options)
    update_options = update_options_from(settings)
    sms_options = sms_options_from(settings)
    box = secret_box(settings)
    if workers and responder is None:
        store_connector(settings)  # the dialogue's store: its settings fail here, not at start-up
    app = web.Application(client_max_size=16 * 1024 * 1024)
    app[keys.SETTINGS] = settings
    app[keys.CLOCK] = clock
    # Both the Meta app secret and the Instagram app secret may sign: accept either
    # (docs/instagram.md, Webhook signatures).
    app[keys.SIGNING_SECRETS] = tuple(
        secret.get_secret_value().encode() for secret in settings.meta_app_secrets
    )
    app[keys.INBOX_DOORBELL] = Doorbell()
    outbox_doorbell = Doorbell()
    app.cleanup_ctx.extend(
        [
            databases(
                settings,
                engine,
                clock=clock,
                inbox_lease_seconds=tuning.inbox_lease_seconds,
                send_lease_seconds=tuning.send_lease_seconds,
            ),
            intake(settings, clock=clock),
            http_client(http),
            tracking_service(tracking, clock=clock),
            console_context(settings, clock=clock, outbox_doorbell=outbox_doorbell),
            instagram_accounts(box, clock=clock),
        ]
    )
    if workers:
        # Appended last, so they stop first and never outlive the resources they use.
        app.cleanup_ctx.extend(
            [
                account_shortcut(settings),
                delivery_sweeper(),
                token_refresher(settings, clock=clock),
                retention_job(settings, clock=clock),
                tracking_sweeper(tuning),
                recovery,
                reply_catalogs(settings),
                sms_updates(settings, sms_options, update_options, clock=clock, tuning=tuning),
                proactive_updates(
                    settings,
                    update_options,
                    clock=clock,
                    outbox_doorbell=outbox_doorbell,
                    tuning=tuning,
                ),
                message_workers(
                    settings,
                    clock=clock,
                    random=random,
                    responder=responder,
                    send_api=send_api,
                    outbox_doorbell=outbox_doorbell,
                    tuning=tuning,
                ),
            ]
        )
    _add_routes(app, settings, clock)
    return app


def _add_routes(app: web.Application, settings: Settings, clock: Callable[[], datetime]) -> None:
    async def apply_push(source: str, outcome: PushOutcome) -> object:
        return await app[keys.TRACKING].apply_push(source, outcome)

    app.add_subapp("/console", console_app())
    app.add_subapp("/api/v1", api_app())
    for routes in (metrics_routes, health_routes, webhook_routes, update_routes, sms_routes):
        app.add_routes(routes)
    app.add_routes(push_routes(build_receivers(settings, clock), apply_push))


__all__ = ["Tuning", "create_app"]
