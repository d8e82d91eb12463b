"""Orders from exports: lines grouped into one purchase per order, re-imports that update.

A shop's export has one row per order line (Shopify writes the order's fields on its first line
only), and may give refunds as rows of their own (a negative line, a Stripe refund row naming
the charge). :class:`OrderCollector` adds an export's lines up into one :class:`OrderUpdate` per
order; :meth:`relationkit.workspace.Workspace.record_orders` stores them, so that importing an
export again, or a later and longer version of it, updates each order instead of doubling it.

Importers (the generic CSV one and the per-format ones) use it as::

    collector = OrderCollector(ws, source="shopify")
    for line in lines:  # draft Purchases: contact_id, date, amount, external_id = order key
        collector.add(line, status_given=..., refunded_given=...)
    counts = collector.finish()
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from .models import Purchase, PurchaseStatus

if TYPE_CHECKING:
    from .workspace import Workspace

ORDER_PREFIX = "order:"  # an order key (``order:1001``); other keys are single lines


@dataclass
class OrderUpdate:
    """What one export says about one order: its charged lines added up, its refunds.

    ``status`` and ``refunded`` are None when the export does not say (the stored values are
    kept); ``refund_rows`` adds up refunds given as rows of their own. ``charged`` is False
    when the export has only refunds for the order (its amount, date and items are kept).
    """

    contact_id: str
    source: str
    order_id: str
    date: date
    currency: str
    amount: Decimal = Decimal(0)
    charged: bool = False
    category: str = ""
    items: list[str] = field(default_factory=list)
    note: str = ""
    status: PurchaseStatus | None = None
    refunded: Decimal | None = None
    refund_rows: Decimal = Decimal(0)

    def add(self, line: Purchase, *, status_given: bool, refunded_given: bool) -> None:
        """Add one line of this order (a negative line of an order is a refund)."""
        is_refund = line.amount < 0 and self.order_id.startswith(ORDER_PREFIX)
        if is_refund:
            self.refund_rows -= line.amount
        else:
            self.date = line.date if not self.charged else min(self.date, line.date)
            self.currency = line.currency if not self.charged else self.currency
            self.charged = True
            self.amount += line.amount
            self.category = self.category or line.category
            if line.items:
                self.items.append(line.items)
            self.note = self.note or line.note
        if status_given and self.status is None and not is_refund:
            self.status = line.status
        if refunded_given:
            self.refunded = max(self.refunded or Decimal(0), line.refunded)

    @property
    def refunds(self) -> Decimal | None:
        """What this export says was refunded (the larger of a refunded column and refund rows:
        Stripe gives both for the same money), or None when it says nothing."""
        if self.refunded is None and not self.refund_rows:
            return None
        return max(self.refunded or Decimal(0), self.refund_rows)

    @classmethod
    def start(cls, line: Purchase) -> OrderUpdate:
        return cls(
            contact_id=line.contact_id,
            source=line.source,
            order_id=line.external_id,
            date=line.date,
            currency=line.currency,
        )


@dataclass
class OrderCounts:
    """What :meth:`Workspace.record_orders` did, order by order."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_corrected: int = 0  # corrected by the owner (purchases edit/delete): left alone

    def __iadd__(self, other: OrderCounts) -> OrderCounts:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.kept_corrected += other.kept_corrected
        return self


class OrderCollector:
    """Adds an export's lines up by order and stores them a batch at a time.

    A batch is stored when a new order starts after ``batch`` orders, so an order whose lines
    are next to each other (as exports write them) is stored whole, once. When an order comes
    back after its batch was stored, its new lines are added to what this import stored for it
    (never replacing it), so batches change nothing but memory.
    """

    def __init__(self, ws: Workspace, *, batch: int = 20_000) -> None:
        self.ws = ws
        self.batch = batch
        self.pending: dict[tuple[str, str], OrderUpdate] = {}
        self.stored: set[tuple[str, str]] = set()  # orders this import already wrote
        self.counts = OrderCounts()

    def add(
        self, line: Purchase, *, status_given: bool = False, refunded_given: bool = False
    ) -> None:
        """Add a draft line (``external_id`` its order key, ``contact_id`` its customer)."""
        key = (line.source, line.external_id)
        order = self.pending.get(key)
        if order is None:
            if len(self.pending) >= self.batch:
                self.flush()  # before a new order starts: the last one may have more lines
            order = self.pending[key] = OrderUpdate.start(line)
        order.add(line, status_given=status_given, refunded_given=refunded_given)

    def flush(self) -> None:
        if not self.pending:
            return
        orders = list(self.pending.values())
        continuing = {key for key in self.pending if key in self.stored}
        self.counts += self.ws.record_orders(orders, continuing=continuing)
        self.stored |= self.pending.keys()
        self.pending.clear()

    def finish(self) -> OrderCounts:
        self.flush()
        return self.counts
