"""What `returnbot platforms sync` prints: per platform, off (and how to turn it on), what changed,
what was skipped and why, or why it failed. Exit status 1 when a configured platform failed."""
from __future__ import annotations

import json
import sys
from datetime import timezone
from typing import List

from bot.platforms import ExternalReturn
from integrations.runner import PlatformRun


def return_dict(found: ExternalReturn) -> dict:
    return {
        "platform": found.platform, "external_id": found.external_id, "rma_number": found.rma_number,
        "order_id": found.order_id, "order_name": found.order_name, "status": found.status.value,
        "platform_status": found.platform_status,
        "items": [{"sku": i.sku, "title": i.title, "quantity": i.quantity} for i in found.items],
        "label_url": found.label_url, "tracking_number": found.tracking_number, "carrier": found.carrier,
        "refund": str(found.refund.amount) if found.refund else None,
        "currency": found.refund.currency if found.refund else None,
        "refunded_at": found.refunded_at.isoformat() if found.refunded_at else None,
        "created_at": found.created_at.isoformat(), "updated_at": found.updated_at.isoformat(),
    }


def run_dict(run: PlatformRun) -> dict:
    row: dict = {"platform": run.spec.name, "title": run.spec.title, "on": run.on, "ok": None}
    if not run.on:
        row["turn_on_with"] = run.spec.key_variable
    elif run.error is not None:
        row.update(ok=False, error=run.error)
    elif run.result is not None:
        result = run.result
        row.update(ok=True, since=result.since.isoformat(), until=result.until.isoformat(), read=result.seen,
                   changed=[return_dict(r) for r in result.changed],
                   skipped=[{"ref": s.ref, "reason": s.reason} for s in result.skipped])
    return row


def print_runs(runs: List[PlatformRun], as_json: bool) -> int:
    failed = any(run.error is not None for run in runs)
    if as_json:
        print(json.dumps([run_dict(run) for run in runs], indent=2))
        return 1 if failed else 0
    for run in runs:
        title = run.spec.title
        if not run.on:
            print(f"{title}: off (set {run.spec.key_variable} to turn it on; see docs/platforms.md)")
        elif run.error is not None:
            print(f"{title}: sync failed; the next sync reads the same span again. {run.error}", file=sys.stderr)
        elif run.result is not None:
            result = run.result
            since = result.since.astimezone(timezone.utc)
            print(f"{title}: {result.seen} returns read (changed since {since:%Y-%m-%d %H:%M} UTC), "
                  f"{len(result.changed)} new or updated, {len(result.skipped)} skipped")
            for found in result.changed:
                print(f"  {found.rma_number:<14} order {found.order_id:<22} {found.status.value:<14} "
                      f"({found.platform_status})")
            for skipped in result.skipped:
                print(f"  skipped {skipped.ref}: {skipped.reason}")
    return 1 if failed else 0
