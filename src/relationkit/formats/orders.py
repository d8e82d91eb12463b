"""Purchase exports: Shopify orders, Square transactions and items, Stripe payments,
WooCommerce orders, PayPal activity; anything else is read as a generic file.

Each format's reader turns the file's lines into :class:`OrderRecord` s (one per order: an
order's lines grouped, refund rows attached to the payment they refund), and
:func:`purchase_from_record` is the one place an order becomes a
:class:`~relationkit.models.Purchase` as :meth:`~relationkit.workspace.Workspace.record_purchases`
accepts it today.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InvalidValue
from ..importers import (
    IGNORE,
    PREVIEW_ROWS,
    PURCHASE_HEADER_SYNONYMS,
    ImportReport,
    Problem,
    Progress,
    _CustomerFinder,
    _fold_header,
    _located,
    _purchase_id,
    _read_table,
    _report,
    _RollBack,
    _Table,
    import_purchases_csv,
    map_headers,
)
from ..models import Purchase
from ..parsing import parse_amount, purchase_fields, trim
from .layout import IGNORE_PREFIX, Column, FormatInfo, Understood, choose

if TYPE_CHECKING:
    from ..workspace import Workspace


class Cells(Mapping[str, str]):
    """A line's cells by header, trimmed when read: a view, so that a million-line export is
    not copied into a million dictionaries."""

    __slots__ = ("_cells", "_index")

    def __init__(self, index: Mapping[str, int], cells: Sequence[str]) -> None:
        self._index, self._cells = index, cells

    def __getitem__(self, header: str) -> str:
        position = self._index[header]
        return trim(self._cells[position]) if position < len(self._cells) else ""

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


Line = tuple[int, Mapping[str, str], list[str]]  # row number, cells by header, cells as in file

PAID, PARTLY_REFUNDED, REFUNDED = "paid", "partially refunded", "refunded"
FAILED, VOIDED, PENDING = "failed", "voided", "pending"
# Why an order is not a sale, by status (reported as "Not counted as sales: 2 failed ...").
NOT_SALES = {
    FAILED: "failed or declined payment(s)",
    VOIDED: "voided or cancelled order(s)",
    PENDING: "pending or unpaid order(s) (import again once paid)",
}


@dataclass
class OrderRecord:
    """One order as an export tells it, before it is a purchase: text as in the file (read by
    :func:`purchase_from_record`), the status normalised to :data:`PAID`, :data:`REFUNDED`...,
    refunds as their amounts, and the customer's keys."""

    rows: list[int]
    cells: list[list[str]]
    order_id: str
    date: str
    amount: str
    currency: str = ""
    status: str = PAID
    refunds: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    category: str = ""
    note: str = ""
    email: str = ""
    phone: str = ""
    name: str = ""

    def shown(self) -> dict[str, str]:
        """The order as read, for ``--dry-run``."""
        values = {
            "order": self.order_id,
            "date": self.date,
            "amount": f"{self.amount} {self.currency}".strip(),
            "status": self.status,
            "refunded": ", ".join(self.refunds),
            "items": "; ".join(self.items),
            "customer": self.email or self.phone or self.name,
        }
        return {k: v for k, v in values.items() if v}


def purchase_from_record(
    record: OrderRecord, *, region: str, currency: str, source: str
) -> tuple[Purchase | None, str, list[InvalidValue]]:
    """``(purchase, "", problems)``, or ``(None, why it is not a sale, [])`` for a failed,
    voided, pending or fully refunded order, or ``(None, "", problems)`` when it cannot be read.

    Today's :class:`~relationkit.models.Purchase` has no status or refund: a refund is
    subtracted from the amount (the note says so) and an order that is not money kept is not
    recorded. This is the one function to point at a richer ``record_purchase``.
    """
    if record.status in NOT_SALES:
        return None, NOT_SALES[record.status], []
    values = {
        "date": record.date,
        "amount": record.amount,
        "currency": record.currency.upper(),
        "items": "; ".join(record.items),
        "category": record.category,
        "note": record.note,
        "order_id": record.order_id,
    }
    purchase, problems = purchase_fields(values, region=region, currency=currency, source=source)
    if purchase is None:
        return None, "", problems
    refunded = Decimal(0)
    for text in record.refunds:
        try:
            refunded += abs(parse_amount(text, currency=purchase.currency)[0])
        except InvalidValue as error:
            problems.append(InvalidValue("refunded", text, error.why))
    if record.status == REFUNDED and not refunded:
        refunded = purchase.amount
    if refunded >= purchase.amount > 0:
        return None, "refunded order(s)", problems
    if refunded:
        said = f"refunded {refunded} of {purchase.amount}"
        purchase.note = f"{purchase.note}; {said}" if purchase.note else said
        purchase.amount -= refunded
    return purchase, "", problems


@dataclass(frozen=True)
class OrderFormat(FormatInfo):
    """A purchase export: its columns and the reader that turns its lines into orders."""

    read: Callable[[Sequence[Line]], Iterator[OrderRecord | tuple[int, str]]] | None = None


def import_orders(
    ws: Workspace,
    path: Path | str,
    *,
    mapping: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    encoding: str | None = None,
    format: str | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Import a purchase export: its format recognised from its header (or ``format``; with
    ``mapping`` and no ``format`` the file is read as a generic one by
    :func:`~relationkit.importers.import_purchases_csv`). Orders are matched to customers as
    there; failed, voided and pending ones are counted in ``report.skipped``; ``dry_run``
    rolls everything back. The source of each purchase is the format's name."""
    path = Path(path)
    table = _read_table(path, encoding, PURCHASE_HEADER_SYNONYMS, mapping)
    fmt = choose(ORDER_FORMATS, table.header, format) if format or not mapping else None
    reports: list[ImportReport] = []
    try:
        with ws.transaction() if dry_run else nullcontext():
            if fmt is None:
                reports.append(_generic(ws, path, table.header, mapping, progress, encoding))
            else:
                reports.append(_formatted(ws, fmt, table, progress))
            if dry_run:
                raise _RollBack  # out of the transaction: nothing kept
    except _RollBack:
        pass
    return reports[0]


def _generic(
    ws: Workspace,
    path: Path,
    header: list[str],
    mapping: Mapping[str, str] | None,
    progress: Progress | None,
    encoding: str | None,
) -> ImportReport:
    """:func:`import_purchases_csv`, its "column not imported" problems as one group."""
    report = import_purchases_csv(ws, path, mapping=mapping, progress=progress, encoding=encoding)
    understood = Understood()
    columns = map_headers(header, mapping, synonyms=PURCHASE_HEADER_SYNONYMS, keep_unknown=False)
    ignored = {_fold_header(c) for c, f in (mapping or {}).items() if f.strip().lower() == IGNORE}
    for index, name in enumerate(header):
        if index in columns:
            understood.mapping.append((name, columns[index]))
        elif name and _fold_header(name) not in ignored:
            understood.ignore("not a purchase field (--map it to items or note to keep it)", name)
    left_out = {h for group in understood.ignored.values() for h in group}
    report.problems = [
        p for p in report.problems if not (p.column in left_out and not p.value and p.row <= 1)
    ]
    report.understood = understood
    return report


def _formatted(
    ws: Workspace, fmt: OrderFormat, table: _Table, progress: Progress | None
) -> ImportReport:
    """The file's lines read by the format into orders, each recorded as a purchase."""
    report = _report(table)
    understood = Understood(fmt.name, fmt.title)
    for name in table.header:
        target = fmt.target(name) or f"{IGNORE_PREFIX}other columns relationkit does not use"
        if target.startswith(IGNORE_PREFIX):
            understood.ignore(target[len(IGNORE_PREFIX) :], name)
        else:
            understood.mapping.append((name, target))
    report.understood = understood
    header = table.header
    index = {h: i for i, h in reversed(list(enumerate(header)))}  # a repeated header: its first
    lines = [(number, Cells(index, cells), cells) for number, cells in table.rows]
    assert fmt.read is not None
    finder = _CustomerFinder(ws)
    seen: dict[str, int] = {}
    batch: list[Purchase] = []
    records = list(fmt.read(lines))
    for done, record in enumerate(records, start=1):
        if isinstance(record, tuple):
            report.skipped[record[1]] = report.skipped.get(record[1], 0) + 1
            continue
        if len(understood.preview) < PREVIEW_ROWS:
            understood.preview.append(record.shown())
        purchase, why, problems = purchase_from_record(
            record, region=ws.config.region, currency=ws.config.currency, source=fmt.name
        )
        located = [(k, k, v) for k, v in record.shown().items()]
        report.problems += [_located(report.file, record.rows[0], p, located) for p in problems]
        if why:
            report.skipped[why] = report.skipped.get(why, 0) + 1
            continue
        if purchase is None:
            report.rejected += 1
            continue
        keys = {"email": record.email, "phone": record.phone, "name": record.name}
        contact_id, not_found = finder.find(keys)
        if contact_id is None:
            report.needs_review += 1
            report.unmatched += record.cells
            shown = record.email or record.phone or record.name
            report.problems.append(Problem(report.file, record.rows[0], "", shown, not_found))
            continue
        purchase.contact_id = contact_id
        purchase.external_id = _purchase_id(purchase, keys, seen)
        batch.append(purchase)
        if len(batch) >= 1000:
            _record(ws, batch, report)
        if progress and done % 1000 == 0:
            progress(done, len(records))
    _record(ws, batch, report)
    if progress:
        progress(len(records), len(records))
    return report


# -- readers ---------------------------------------------------------------------------------


def _status(text: str, table: Mapping[str, str], default: str = PAID) -> str:
    word = " ".join(text.strip().lower().replace("_", " ").replace("-", " ").split())
    return table.get(word, default)


def _order_lines(lines: Sequence[Line], key: str) -> dict[str, list[Line]]:
    """Lines grouped by the order id in column ``key``, in file order; a line whose id is blank
    belongs to the order above it (as Shopify writes an order's further items)."""
    orders: dict[str, list[Line]] = {}
    current = ""
    for line in lines:
        current = line[1].get(key) or current
        orders.setdefault(current, []).append(line)
    return orders


def _record_of(group: list[Line], **values: object) -> OrderRecord:
    return OrderRecord(
        rows=[line[0] for line in group],
        cells=[line[2] for line in group],
        **values,  # type: ignore[arg-type]
    )


# Shopify orders ------------------------------------------------------------------------------

_SHOPIFY_STATUS = {
    "paid": PAID,
    "partially refunded": PARTLY_REFUNDED,
    "refunded": REFUNDED,
    "voided": VOIDED,
    "pending": PENDING,
    "authorized": PENDING,
    "partially paid": PENDING,
    "expired": VOIDED,
}


def _read_shopify(lines: Sequence[Line]) -> Iterator[OrderRecord | tuple[int, str]]:
    for order_id, group in _order_lines(lines, "Name").items():
        first = group[0][1]
        items = []
        for _number, line, _cells in group:  # order fields are read from the first line only
            if name := line.get("Lineitem name", ""):
                quantity = line.get("Lineitem quantity", "")
                items.append(f"{quantity} x {name}" if quantity not in ("", "1") else name)
        status = _status(first.get("Financial Status", ""), _SHOPIFY_STATUS)
        if first.get("Cancelled at"):
            status = VOIDED
        yield _record_of(
            group,
            order_id=order_id,
            date=first.get("Paid at") or first.get("Created at", ""),
            amount=first.get("Total", ""),
            currency=first.get("Currency", ""),
            status=status,
            refunds=[r for r in [first.get("Refunded Amount", "")] if r],
            items=items,
            note=first.get("Notes", ""),
            email=first.get("Email", ""),
            phone=first.get("Phone") or first.get("Billing Phone", ""),
            name=first.get("Billing Name", ""),
        )


SHOPIFY_ORDERS = OrderFormat(
    "shopify-orders",
    "Shopify orders export",
    (("Name", "Financial Status", "Lineitem name"),),
    (
        Column("Name", "order id"),
        Column("Email", "email"),
        Column("Financial Status|Cancelled at", "status"),
        Column("Paid at|Created at", "date (paid at, else created at)"),
        Column("Currency", "currency"),
        Column("Total", "amount"),
        Column("Refunded Amount", "refunded"),
        Column("Lineitem (quantity|name)", "items"),
        Column("Notes", "note"),
        Column("Phone|Billing Phone", "phone"),
        Column("Billing Name", "name"),
        Column(
            "Subtotal|Shipping|Taxes|Discount (Code|Amount)|Tax \\d+ (Name|Value)|Duties",
            "ignore:the order's breakdown (subtotal, shipping, taxes, discounts: total read)",
        ),
        Column(
            "(Billing|Shipping) .*",
            "ignore:billing and shipping addresses (import the customers export for those)",
        ),
        Column("Lineitem .*", "ignore:other line item details (price, SKU, fulfilment)"),
    ),
    "Shopify admin > Orders > Export > CSV for Excel, Numbers, or other spreadsheet programs",
    _read_shopify,
)

# Square --------------------------------------------------------------------------------------

_SQUARE_STATUS = {"complete": PAID, "completed": PAID, "pending": PENDING, "failed": FAILED}


def _read_square_transactions(lines: Sequence[Line]) -> Iterator[OrderRecord | tuple[int, str]]:
    payments: dict[str, OrderRecord] = {}
    refunds: list[Line] = []
    for line in lines:
        row = line[1]
        if row.get("Event Type", "").lower() == "refund":
            refunds.append(line)
            continue
        record = _record_of(
            [line],
            order_id=row.get("Transaction ID") or row.get("Payment ID", ""),
            date=row.get("Date", ""),
            amount=row.get("Total Collected") or row.get("Gross Sales", ""),
            status=_status(row.get("Transaction Status", ""), _SQUARE_STATUS),
            refunds=[r for r in [row.get("Partial Refunds", "")] if r.strip("$0.- ")],
            items=[d for d in [row.get("Description", "")] if d],
            name=row.get("Customer Name", ""),
        )
        payments[record.order_id] = record
        if row.get("Payment ID"):
            payments[row["Payment ID"]] = record
    yield from _attach_refunds(
        payments, refunds, ("Transaction ID", "Payment ID"), "Total Collected"
    )
    yield from {id(record): record for record in payments.values()}.values()


def _attach_refunds(
    payments: Mapping[str, OrderRecord],
    refunds: Sequence[Line],
    keys: Sequence[str],
    amount: str,
) -> Iterator[tuple[int, str]]:
    """Each refund row's amount added to the payment it names; one not in the file is skipped."""
    for number, row, _cells in refunds:
        target = next((payments[row[k]] for k in keys if row.get(k) in payments), None)
        if target is None:
            yield number, "refund(s) of payments not in this file"
        else:
            target.refunds.append(row.get(amount, ""))
            target.rows.append(number)


def _read_square_items(lines: Sequence[Line]) -> Iterator[OrderRecord | tuple[int, str]]:
    for order_id, group in _order_lines(lines, "Transaction ID").items():
        sales = [line for line in group if line[1].get("Event Type", "").lower() != "refund"]
        refunds = [line[1].get("Net Sales", "") for line in group if line not in sales]
        if not sales:
            yield group[0][0], "refund(s) of payments not in this file"
            continue
        first = sales[0][1]
        total = Decimal(0)
        for _number, row, _cells in sales:
            try:
                total += parse_amount(row.get("Net Sales", ""))[0]
            except InvalidValue:
                total = Decimal("NaN")
        items = [_quantity(row.get("Qty", ""), row.get("Item", "")) for _n, row, _c in sales]
        categories = dict.fromkeys(row.get("Category", "") for _n, row, _c in sales)
        yield _record_of(
            group,
            order_id=order_id,
            date=first.get("Date", ""),
            amount="" if total.is_nan() else str(total),
            refunds=refunds,
            items=[i for i in items if i],
            category=", ".join(c for c in categories if c),
            note=first.get("Notes", ""),
            name=first.get("Customer Name", ""),
        )


def _quantity(quantity: str, name: str) -> str:
    return f"{quantity} x {name}" if name and quantity not in ("", "1", "1.0") else name


_SQUARE_TAIL = (
    Column("Time|Time Zone", "ignore:times of day (the date is read)"),
    Column(
        "Gross Sales|Discounts|Service Charges|Net Sales|Gift Card Sales|Tax|Tip|Fees|Net Total"
        "|Partial Refunds|Total Collected",
        "ignore:the sale's breakdown",
    ),
    Column(
        "Source|Card.*|Cash|Square Gift Card|Other Tender.*|PAN Suffix|Device.*|Staff.*"
        "|Location|Dining Option|Details|Payment ID|Customer ID|Customer Reference ID",
        "ignore:payment, device and staff details, Square's customer ids",
    ),
)
SQUARE_TRANSACTIONS = OrderFormat(
    "square-transactions",
    "Square transactions export",
    (("Transaction ID", "Total Collected", "Event Type"),),
    (
        Column("Transaction ID", "order id"),
        Column("Date", "date"),
        Column("Total Collected", "amount"),
        Column("Partial Refunds", "refunded (and Refund rows, attached to their payment)"),
        Column("Transaction Status|Event Type", "status (Refund rows attached to their payment)"),
        Column("Description", "items"),
        Column("Customer Name", "name"),
        *_SQUARE_TAIL,
    ),
    "Square Dashboard > Transactions > Export > Transactions CSV",
    _read_square_transactions,
)
SQUARE_ITEMS = OrderFormat(
    "square-items",
    "Square item details export",
    (("Transaction ID", "Item", "Qty", "Net Sales"),),
    (
        Column("Transaction ID", "order id (an order's items grouped)"),
        Column("Event Type", "refund lines (subtracted from their order)"),
        Column("Date", "date"),
        Column("Net Sales", "amount (the order's items added up)"),
        Column("Item|Qty", "items"),
        Column("Category", "category"),
        Column("Notes", "note"),
        Column("Customer Name", "name"),
        Column(
            "Price Point Name|SKU|Modifiers Applied|Unit|Count|Itemization Type",
            "ignore:item variants and SKUs",
        ),
        *_SQUARE_TAIL,
    ),
    "Square Dashboard > Transactions > Export > Item Detail CSV",
    _read_square_items,
)

# Stripe --------------------------------------------------------------------------------------

_STRIPE_STATUS = {
    "paid": PAID,
    "succeeded": PAID,
    "refunded": REFUNDED,
    "partially refunded": PARTLY_REFUNDED,
    "failed": FAILED,
    "blocked": FAILED,
    "pending": PENDING,
    "uncaptured": PENDING,
    "canceled": VOIDED,
    "cancelled": VOIDED,
}


def _read_stripe(lines: Sequence[Line]) -> Iterator[OrderRecord | tuple[int, str]]:
    for line in lines:
        row = line[1]
        status = _status(row.get("Status", ""), _STRIPE_STATUS)
        if row.get("Captured", "").lower() == "false" and status == PAID:
            status = PENDING
        yield _record_of(
            [line],
            order_id=row.get("id", ""),
            date=row.get("Created date (UTC)") or row.get("Created (UTC)", ""),
            amount=row.get("Amount", ""),
            currency=row.get("Currency", ""),
            status=status,
            refunds=[r for r in [row.get("Amount Refunded", "")] if r],
            items=[d for d in [row.get("Description", "")] if d],
            email=row.get("Customer Email", ""),
            name=row.get("Customer Description") or row.get("Shipping Name", ""),
        )


STRIPE = OrderFormat(
    "stripe",
    "Stripe payments export",
    (("id", "Created date (UTC)", "Amount", "Status"), ("id", "Created (UTC)", "Amount", "Status")),
    (
        Column("id", "order id"),
        Column("Created( date)? \\(UTC\\)", "date"),
        Column("Amount", "amount"),
        Column("Amount Refunded", "refunded"),
        Column("Currency", "currency"),
        Column("Status|Captured", "status"),
        Column("Description", "items"),
        Column("Customer Email", "email"),
        Column("Customer Description|Shipping Name", "name"),
        Column("Converted .*", "ignore:amounts converted to your payout currency"),
        Column("Fee|Taxes On Fee|Transfer|Application Fee.*", "ignore:Stripe's fees and transfers"),
        Column("Card .*|Payment Method.*", "ignore:card details"),
        Column(
            "Customer ID|Invoice ID|Payment Intent ID|Checkout Session ID", "ignore:Stripe's ids"
        ),
    ),
    "Stripe Dashboard > Payments > All payments > Export",
    _read_stripe,
)

# WooCommerce ---------------------------------------------------------------------------------

_WOO_STATUS = {
    "completed": PAID,
    "processing": PAID,
    "refunded": REFUNDED,
    "cancelled": VOIDED,
    "failed": FAILED,
    "pending payment": PENDING,
    "pending": PENDING,
    "on hold": PENDING,
    "draft": PENDING,
    "checkout draft": PENDING,
}


def _read_woocommerce(lines: Sequence[Line]) -> Iterator[OrderRecord | tuple[int, str]]:
    for line in lines:
        row = line[1]
        yield _record_of(
            [line],
            order_id=row.get("Order #", ""),
            date=row.get("Date", ""),
            amount=row.get("Net Sales", ""),
            status=_status(row.get("Status", ""), _WOO_STATUS),
            items=[p for p in [row.get("Product(s)", "")] if p],
            name=row.get("Customer", ""),
        )


WOOCOMMERCE_ORDERS = OrderFormat(
    "woocommerce-orders",
    "WooCommerce orders report",
    (("Order #", "Status", "Customer", "Product(s)", "Net Sales"),),
    (
        Column("Order #", "order id"),
        Column("Date", "date"),
        Column("Net Sales", "amount"),
        Column("Status", "status"),
        Column("Product\\(s\\)", "items"),
        Column("Customer", "name"),
        Column(
            "Customer type|Items sold|Coupon\\(s\\)|Attribution",
            "ignore:WooCommerce's report details",
        ),
    ),
    "WordPress admin > WooCommerce > Analytics > Orders > Download",
    _read_woocommerce,
)

# PayPal --------------------------------------------------------------------------------------

_PAYPAL_STATUS = {
    "completed": PAID,
    "pending": PENDING,
    "denied": FAILED,
    "failed": FAILED,
    "reversed": REFUNDED,
    "refunded": REFUNDED,
    "partially refunded": PARTLY_REFUNDED,
    "canceled": VOIDED,
    "cancelled": VOIDED,
    "voided": VOIDED,
}


def _read_paypal(lines: Sequence[Line]) -> Iterator[OrderRecord | tuple[int, str]]:
    payments: dict[str, OrderRecord] = {}
    refunds: list[Line] = []
    for line in lines:
        number, row, _cells = line
        kind = row.get("Type", "").lower()
        gross = row.get("Gross", "").strip()
        if "refund" in kind or "reversal" in kind:
            refunds.append(line)
        elif (
            "payment" in kind
            and not gross.startswith("-")
            and row.get("Balance Impact", "Credit") != "Debit"
        ):
            payments[row.get("Transaction ID", "")] = _record_of(
                [line],
                order_id=row.get("Transaction ID", ""),
                date=row.get("Date", ""),
                amount=gross,
                currency=row.get("Currency", ""),
                status=_status(row.get("Status", ""), _PAYPAL_STATUS),
                items=[t for t in [row.get("Item Title", "")] if t],
                note=row.get("Note", ""),
                email=row.get("From Email Address", ""),
                phone=row.get("Contact Phone Number", ""),
                name=row.get("Name", ""),
            )
        else:
            yield (
                number,
                "PayPal rows that are not sales (fees, transfers, conversions, payments sent)",
            )
    yield from _attach_refunds(payments, refunds, ("Reference Txn ID",), "Gross")
    yield from payments.values()


PAYPAL = OrderFormat(
    "paypal",
    "PayPal activity download",
    (
        ("Transaction ID", "Gross", "Balance Impact"),
        ("Transaction ID", "Gross", "From Email Address", "Type"),
    ),
    (
        Column("Transaction ID", "order id"),
        Column("Date", "date"),
        Column("Gross", "amount"),
        Column("Currency", "currency"),
        Column("Status", "status"),
        Column("Type|Balance Impact|Reference Txn ID", "which rows are sales and which refunds"),
        Column("Item Title", "items"),
        Column("Note", "note"),
        Column("From Email Address", "email"),
        Column("Contact Phone Number", "phone"),
        Column("Name", "name"),
        Column("Time|TimeZone|Time Zone", "ignore:times of day (the date is read)"),
        Column(
            "Fee|Net|Balance|Sales Tax|Shipping and Handling Amount|Insurance Amount",
            "ignore:fees, net amounts and balances",
        ),
        Column(
            "Shipping Address|Address .*|Address Status|Zip/Postal Code|State/Province.*|Town/City"
            "|Country|Country Code",
            "ignore:addresses (import customers for those)",
        ),
    ),
    "PayPal > Activity > Statements > Activity download (CSV)",
    _read_paypal,
)

ORDER_FORMATS: tuple[OrderFormat, ...] = (
    SHOPIFY_ORDERS, SQUARE_ITEMS, SQUARE_TRANSACTIONS, STRIPE, WOOCOMMERCE_ORDERS, PAYPAL,
)  # fmt: skip


def _record(ws: Workspace, batch: list[Purchase], report: ImportReport) -> None:
    """Store a batch of purchases (ids already known are left as they are) and count them."""
    if batch:
        fresh = ws.record_purchases(batch)
        report.created += fresh
        report.unchanged += len(batch) - fresh
        batch.clear()
