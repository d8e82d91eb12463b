"""The demo's sample business: Greenleaf Garden & Mower, a garden centre with a mower workshop.

:func:`generate` builds the shop's customers, two years of sales and the owner's contact log as
plain data, deterministically (a fixed random seed; every date relative to ``today``). The
renderers turn it into what each tool would really hold:

- :func:`customer_sheet`: the owner's own spreadsheet (tabs Customers, Purchases, Interactions)
  with their own header names and the usual mess: trailing spaces, a duplicated row, an empty
  row, a bad email, dates typed several ways, phones as numbers;
- :func:`google_contacts`: the address book on the owner's phone, overlapping the sheet (some of
  the same people with phones written differently, some customers only there) plus a few private
  contacts who are not customers;
- :func:`connections_csv`: a LinkedIn data export (``Connections.csv``) with its "Notes:"
  preamble, some customers and some people who are not.

``relationkit.testing.seeds`` loads it into the Google emulator as the "demo" data set.
"""

from __future__ import annotations

import csv
import io
import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from relationkit.models import PartialDate

DEMO_TODAY = date(2026, 11, 23)
SHOP = "Greenleaf Garden & Mower"
SPREADSHEET_TITLE = "Greenleaf customers"
CUSTOMER_GROUP = "Customers"
CUSTOMER_COUNT = 230
_SEED = 20261123

# Sales by month (a strong spring peak, a small Christmas-tree bump).
_MONTH_WEIGHTS = (3, 5, 13, 18, 17, 11, 7, 6, 7, 6, 4, 5)

# category -> (price range, items, months it sells in (None: all year)).
_CATALOGUE: dict[str, tuple[tuple[int, int], tuple[str, ...], tuple[int, ...] | None]] = {
    "mowers": ((299, 1899), (
        "Honda HRN216 mower", "EGO 21in cordless mower", "Toro Recycler 22in",
        "Husqvarna TS 146X ride-on", "Stihl RMA 448 battery mower",
    ), (3, 4, 5, 6, 7, 8, 9)),
    "mower service": ((69, 189), (
        "Spring tune-up", "Blade sharpening", "Carburettor clean", "Ride-on annual service",
    ), None),
    "seeds": ((4, 45), (
        "Tomato seeds (Brandywine)", "Wildflower mix", "Lawn seed 5 lb", "Sweet pea seeds",
        "Seed potatoes 5 lb",
    ), (1, 2, 3, 4, 5, 6, 9)),
    "plants": ((12, 95), (
        "David Austin rose", "Lavender x6", "Hydrangea 'Annabelle'", "Herb planter",
        "Tomato starts x4",
    ), (3, 4, 5, 6, 7, 8, 9, 10)),
    "trees": ((45, 380), (
        "Japanese maple", "Honeycrisp apple tree", "Italian plum tree", "Dogwood 6 ft",
    ), (2, 3, 4, 10, 11)),
    "tools": ((15, 180), (
        "Felco pruners", "Border spade", "Hose reel", "Leaf rake", "Loppers",
    ), None),
    "soil & mulch": ((20, 240), (
        "Compost 10 bags", "Mulch 3 yards delivered", "Raised-bed soil mix",
    ), (3, 4, 5, 6, 9, 10)),
    "christmas trees": ((45, 120), ("Noble fir 7 ft", "Nordmann fir 6 ft", "Wreath"), (11, 12)),
}  # fmt: skip

_GIVEN = (
    'Ann', 'Robert', 'María', 'Tom', 'Linda', 'James', 'Patricia', 'Michael', 'Jennifer',
    'David', 'Susan', 'Richard', 'Karen', 'Joseph', 'Nancy', 'Thomas', 'Lisa', 'Charles',
    'Betty', 'Daniel', 'Margaret', 'Matthew', 'Sandra', 'Anthony', 'Ashley', 'Mark', 'Emily',
    'Paul', 'Donna', 'Steven', 'Michelle', 'Andrew', 'Carol', 'Joshua', 'Amanda', 'Kevin',
    'Melissa', 'Brian', 'Deborah', 'George', 'Stephanie', 'Timothy', 'Rebecca', 'Ronald',
    'Laura', 'Jason', 'Sharon', 'Edward', 'Cynthia', 'Jeffrey', 'Kathleen', 'Ryan', 'Helen',
    'Jacob', 'Amy', 'Gary', 'Shirley', 'Nicholas', 'Angela', 'Eric', 'Anna', 'Jonathan', 'Ruth',
    'Larry', 'Brenda', 'Justin', 'Pamela', 'Scott', 'Nicole', 'Frank', 'Katherine', 'Zoë',
    'Chloé', 'René', 'Siobhán', 'Søren', 'Inés', 'Joaquín', 'Björn', 'Ingrid', 'Priya', 'Aarav',
    'Mei', 'Kenji', 'Olumide', 'Chidi', 'Fatima', 'Omar', 'Lucia', 'Mateo', 'Dmitri', 'Anaïs',
    'Noémie',
)  # fmt: skip
_FAMILY = (
    'Lee', 'Smith', 'Garcia', "O'Brien", 'Johnson', 'Williams', 'Brown', 'Jones', 'Miller',
    'Davis', 'Rodríguez', 'Martínez', 'Hernández', 'López', 'González', 'Wilson', 'Anderson',
    'Taylor', 'Thomas', 'Moore', 'Jackson', 'Martin', 'Thompson', 'White', 'Harris', 'Sanchez',
    'Clark', 'Ramírez', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright',
    'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores', 'Green', 'Adams', 'Nelson', 'Baker', 'Hall',
    'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts', 'Kowalski', 'Nowak', 'Müller',
    'Schmidt', 'Rossi', 'Russo', 'Bianchi', 'Dubois', 'Lefèvre', 'Jensen', 'Hansen', 'Olsen',
    'Lindqvist', 'Novák', 'Horváth', 'Papadopoulos', 'Okafor', 'Adeyemi', 'Patel', 'Shah', 'Kim',
    'Park', 'Tanaka', 'Yamamoto', 'Chen', 'Wang', "O'Connor", 'MacLeod', 'Fitzgerald',
    'van der Berg', 'de la Cruz', 'Brontë-Smith',
)  # fmt: skip
# Names written in their own scripts, with the Latin spelling their email addresses use.
_NATIVE_NAMES = (
    ("王芳", "wang.fang"), ("李伟", "li.wei"), ("张秀英", "zhang.xiuying"),
    ("田中 さくら", "sakura.tanaka"), ("佐藤 健", "ken.sato"), ("김민준", "minjun.kim"),
    ("이서연", "seoyeon.lee"), ("Дмитрий Соколов", "d.sokolov"), ("Ольга Иванова", "olga.ivanova"),
    ("Σοφία Παπαδοπούλου", "sofia.papadopoulou"), ("Νίκος Γεωργίου", "nikos.georgiou"),
    ("أحمد حداد", "ahmad.haddad"), ("فاطمة الزهراء", "fatima.zahra"),
    ("Nguyễn Thị Lan", "lan.nguyen"), ("Trần Văn Minh", "minh.tran"),
    ("אבי כהן", "avi.cohen"), ("प्रिया शर्मा", "priya.sharma"),
)  # fmt: skip
_DOMAINS = ("gmail.com", "gmail.com", "gmail.com", "yahoo.com", "outlook.com", "hotmail.com",
            "comcast.net", "icloud.com", "proton.me")  # fmt: skip
_AREA_CODES = ("503", "503", "503", "971", "360")
_STREETS = ("Alder St", "Pine Ridge Rd", "SE Division St", "Oak Ct", "Hawthorne Blvd",
            "Maple Ave", "Cedar Ln", "NW 23rd Ave", "Birch Way", "Willamette Dr")  # fmt: skip
_CITIES = (("Portland", "97205"), ("Beaverton", "97005"), ("Lake Oswego", "97034"),
           ("Tigard", "97223"), ("Vancouver", "98660"), ("Milwaukie", "97222"))  # fmt: skip
_INTERESTS = ("roses", "vegetables", "tomatoes", "fruit trees", "lawn care", "native plants",
              "herbs", "bonsai", "composting", "birds", "cottage garden", "dahlias")  # fmt: skip
_TRADES = (
    ("O'Brien Landscaping", "Owner"), ("Greenway HOA", "Grounds manager"),
    ("Rose City Property Care", "Operations lead"), ("Oak & Ivy Design", "Garden designer"),
    ("Hilltop School", "Facilities manager"), ("Bridgetown Lawn Co", "Founder"),
)  # fmt: skip
_JOBS = (("Intel", "Engineer"), ("Nike", "Product manager"), ("OHSU", "Nurse"),
         ("Providence", "Physician"), ("Portland Public Schools", "Teacher"),
         ("Daimler Trucks", "Analyst"), ("City of Portland", "Planner"),
         ("Self-employed", "Architect"))  # fmt: skip
_NOTES = (
    "Rose bed by the porch; asks about blackspot every June", "Ride-on mower, serviced each March",
    "Grows tomatoes and peppers", "Pays on account", "Likes a call before deliveries",
    "Bought the Japanese maple for their daughter's wedding", "Volunteers at the community garden",
    "Allergic to bees: no flowering shrubs by the door", "Prefers organic products", "",
)  # fmt: skip
_VISITS = (
    ("visit", "Asked about blackspot on the roses"), ("call", "Booked the spring mower service"),
    ("email", "Sent the planting guide for fruit trees"), ("visit", "Came to the seed swap"),
    ("call", "Mower would not start: talked through the choke"),
    ("visit", "Picked up the repaired mower; happy with it"),
    ("email", "Asked whether we deliver mulch on Saturdays"),
    ("visit", "Brought photos of the finished garden"),
)  # fmt: skip
_PRIVATE_CONTACTS = (
    ("Mom", "+1 503 555 0001", ""), ("Dr. Helen Park (dentist)", "(503) 555-0190", ""),
    ("Jim the plumber", "503-555-0177", ""), ("Sara Owner", "971 555 0102", "sara@example.com"),
    ("Bank: business line", "1-800-555-0199", ""),
    ("Northwest Seed Supply", "(503) 555-0150", "orders@nwseed.example.com"),
    ("Coach Dave (soccer)", "503 555 0133", ""),
)  # fmt: skip
_LINKEDIN_STRANGERS = (
    ("Marcus", "Bell", "Pacific Turf Supply", "Sales representative"),
    ("Jenna", "Ortiz", "Oregon Nursery Association", "Events coordinator"),
    ("Wei", "Zhang", "Husqvarna", "Territory manager"),
    ("Olivia", "Grant", "Small Business Development Center", "Advisor"),
    ("Hamid", "Karimi", "Green Roof Partners", "Engineer"),
    ("Claire", "Dupont", "Bloom & Co", "Florist"),
    ("Sam", "Whitfield", "Portland Business Journal", "Reporter"),
    ("Ravi", "Menon", "Stihl Inc.", "Dealer support"),
)  # fmt: skip


@dataclass
class Customer:
    """One person who buys at the shop, with what the owner knows about them."""

    key: int
    name: str
    given_name: str
    family_name: str
    handle: str = ""  # the ASCII name used in their email address and profile URL
    email: str = ""
    work_email: str = ""
    phone: str = ""  # E.164
    street: str = ""
    city: str = ""
    postal_code: str = ""
    company: str = ""
    position: str = ""
    birthday: PartialDate | None = None
    anniversary: PartialDate | None = None
    spouse: str = ""
    children: list[tuple[str, PartialDate | None]] = field(default_factory=list)
    interests: list[str] = field(default_factory=list)
    preferred_channel: str = ""
    marketing: bool | None = None
    do_not_contact: bool = False
    notes: str = ""
    linkedin_url: str = ""
    in_sheet: bool = True
    in_contacts: bool = False
    on_linkedin: bool = False
    connected_on: date | None = None


@dataclass(frozen=True)
class Sale:
    """One till receipt (a negative amount is a refund)."""

    customer: int
    day: date
    amount: Decimal
    category: str
    items: str
    order_id: str


@dataclass(frozen=True)
class LogEntry:
    """One entry in the owner's contact log."""

    customer: int
    day: date
    kind: str
    summary: str


@dataclass
class DemoBusiness:
    """Everything the demo shop knows, as of ``today``."""

    today: date
    customers: list[Customer]
    sales: list[Sale]
    log: list[LogEntry]

    def customer(self, key: int) -> Customer:
        return self.customers[key]


def generate(today: date = DEMO_TODAY, seed: int = _SEED) -> DemoBusiness:
    """The sample shop as of ``today``: the same data for the same ``today`` and ``seed``."""
    rng = random.Random(seed)
    taken: set[str] = set()  # emails and phones: each belongs to one customer
    customers = [_customer(rng, key, today, taken) for key in range(CUSTOMER_COUNT)]
    _spread_over_tools(rng, customers, today)
    sales = _sales(rng, customers, today)
    log = _log(rng, customers, sales, today)
    return DemoBusiness(today, customers, sales, log)


# -- people ------------------------------------------------------------------------------------


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if c.isascii() and (c.isalnum() or c in ".-")).lower()


def _customer(rng: random.Random, key: int, today: date, taken: set[str]) -> Customer:
    if key % 14 == 5 and key // 14 < len(_NATIVE_NAMES):
        name, local = _NATIVE_NAMES[key // 14]
        parts = name.split()
        given, family = (parts[0], " ".join(parts[1:])) if len(parts) > 1 else (name, "")
    else:
        given, family = rng.choice(_GIVEN), rng.choice(_FAMILY)
        name = f"{given} {family}"
        local = rng.choice((
            f"{_ascii(given)}.{_ascii(family)}", f"{_ascii(given)}{_ascii(family)}",
            f"{_ascii(given)[0]}{_ascii(family)}", f"{_ascii(given)}{rng.randint(1, 99)}",
            f"{_ascii(family)}.{_ascii(given)}",
        ))  # fmt: skip
    local = local.replace("'", "").replace(" ", "")
    customer = Customer(key, name, given, family, handle=local.replace(".", "-"))
    if rng.random() < 0.9:
        customer.email = _unused(taken, lambda: f"{local}@{rng.choice(_DOMAINS)}", key)
    customer.phone = _unused(
        taken, lambda: f"+1{rng.choice(_AREA_CODES)}555{rng.randint(1000, 9999)}", key
    )
    if rng.random() < 0.7:
        city, postal = rng.choice(_CITIES)
        customer.street = f"{rng.randint(10, 9999)} {rng.choice(_STREETS)}"
        customer.city, customer.postal_code = city, postal
    if key % 23 == 3:
        customer.company, customer.position = _TRADES[(key // 23) % len(_TRADES)]
    elif rng.random() < 0.3:
        customer.company, customer.position = rng.choice(_JOBS)
    if rng.random() < 0.65:
        born = _day_in(rng, today.year - rng.randint(24, 82))
        customer.birthday = PartialDate(
            born.month, born.day, born.year if rng.random() < 0.6 else None
        )
    if rng.random() < 0.4:
        customer.spouse = rng.choice(_GIVEN)
        wed = _day_in(rng, today.year - rng.randint(2, 45))
        if rng.random() < 0.5:
            customer.anniversary = PartialDate(wed.month, wed.day, wed.year)
    if rng.random() < 0.25:
        for _ in range(rng.randint(1, 3)):
            born = _day_in(rng, today.year - rng.randint(1, 17))
            name = rng.choice([g for g in _GIVEN if g not in {n for n, _ in customer.children}])
            customer.children.append(
                (name, PartialDate.from_date(born) if rng.random() < 0.6 else None)
            )
    customer.interests = rng.sample(_INTERESTS, rng.choice((0, 1, 1, 2, 2, 3)))
    customer.preferred_channel = rng.choice(("email", "email", "phone", "text", "in person", ""))
    customer.marketing = rng.choice((True, True, True, False, None))
    customer.do_not_contact = rng.random() < 0.04
    customer.notes = rng.choice(_NOTES)
    return customer


def _unused(taken: set[str], make: Callable[[], str], key: int) -> str:
    """A value from ``make`` that no other customer has (numbered after a few tries)."""
    for _ in range(5):
        value = make()
        if value not in taken:
            break
    else:
        local, at, domain = make().partition("@")
        value = f"{local}{key}{at}{domain}"
    taken.add(value)
    return value


def _day_in(rng: random.Random, year: int) -> date:
    return date(year, 1, 1) + timedelta(days=rng.randrange(365))


def _spread_over_tools(rng: random.Random, customers: list[Customer], today: date) -> None:
    """Who is where: most customers are in the sheet, some also (or only) in Google Contacts,
    some are LinkedIn connections. Some upcoming birthdays make this week's digest lively."""
    for c in customers:
        roll = rng.random()
        c.in_sheet = roll < 0.85
        c.in_contacts = roll >= 0.55
        if c.company or rng.random() < 0.15:
            c.on_linkedin = True
            c.linkedin_url = f"https://www.linkedin.com/in/{c.handle}-{c.key:03d}"
            c.connected_on = today - timedelta(days=rng.randint(20, 2000))
            if rng.random() < 0.5:
                work = f"{c.handle.split('-')[0]}@{_ascii(c.company).replace('.', '')}.example.com"
                c.work_email = work if c.company else c.email
    for offset, c in zip((1, 3, 5, 9, 12), customers[7::41], strict=False):
        soon = today + timedelta(days=offset)
        c.birthday = PartialDate(soon.month, soon.day, c.birthday.year if c.birthday else None)
        c.do_not_contact = False


# -- sales -------------------------------------------------------------------------------------


def _sales(rng: random.Random, customers: list[Customer], today: date) -> list[Sale]:
    start = today - timedelta(days=730)
    days = [start + timedelta(days=i) for i in range(1, 731)]
    weights = [_MONTH_WEIGHTS[d.month - 1] * (0.3 if d.weekday() == 6 else 1.0) for d in days]
    sales: list[Sale] = []
    for c in customers:
        kind = rng.choices(("trade", "regular", "mower owner", "occasional", "one-off"),
                           (5, 30, 25, 30, 10))[0]  # fmt: skip
        if c.company and c.key % 23 == 3:
            kind = "trade"
        visits = {"trade": (30, 60), "regular": (10, 28), "mower owner": (4, 10),
                  "occasional": (2, 8), "one-off": (1, 1)}[kind]  # fmt: skip
        count = rng.randint(*visits)
        # A lapsed customer stops buying part-way through; a recent one only just started.
        first, last = 0, len(days)
        if rng.random() < 0.12:
            last = rng.randint(len(days) // 4, len(days) * 3 // 4)
        elif rng.random() < 0.1:
            first = rng.randint(len(days) // 2, len(days) - 30)
        chosen = sorted(rng.choices(range(first, last), weights[first:last], k=count))
        categories = _categories(kind)
        for index in chosen:
            category = _pick_category(rng, categories, days[index].month)
            sales.append(_sale(rng, c.key, days[index], category, kind == "trade"))
    for c in customers[11::53]:  # new customers this week: first purchase in the past 7 days
        sales = [s for s in sales if s.customer != c.key]
        sales.append(_sale(rng, c.key, today - timedelta(days=rng.randint(0, 5)), "trees", False))
    big = customers[2]  # the week's top spender
    sales.append(_sale(rng, big.key, today - timedelta(days=2), "mowers", False, amount=1899))
    sales.sort(key=lambda s: (s.day, s.customer))
    numbered = [
        Sale(s.customer, s.day, s.amount, s.category, s.items, f"GL-{10000 + i}")
        for i, s in enumerate(sales)
    ]
    refunds = [
        Sale(
            s.customer,
            s.day + timedelta(days=rng.randint(1, 20)),
            -s.amount,
            s.category,
            f"Refund: {s.items}",
            f"{s.order_id}-R",
        )
        for s in rng.sample(numbered, 12)
        if s.day + timedelta(days=21) < today
    ]
    return sorted(numbered + refunds, key=lambda s: (s.day, s.order_id))


def _categories(kind: str) -> dict[str, int]:
    if kind == "trade":
        return {"mower service": 4, "tools": 3, "soil & mulch": 5, "plants": 3, "trees": 2,
                "seeds": 1}  # fmt: skip
    if kind == "mower owner":
        return {"mowers": 2, "mower service": 6, "tools": 2, "seeds": 1, "christmas trees": 1}
    return {"seeds": 5, "plants": 6, "tools": 2, "soil & mulch": 2, "trees": 2, "mowers": 1,
            "mower service": 1, "christmas trees": 2}  # fmt: skip


def _pick_category(rng: random.Random, categories: dict[str, int], month: int) -> str:
    names = list(categories)
    weights = [
        categories[n] if _CATALOGUE[n][2] is None or month in (_CATALOGUE[n][2] or ()) else 0
        for n in names
    ]
    if not any(weights):
        return "tools"
    return rng.choices(names, weights)[0]


def _sale(
    rng: random.Random, key: int, day: date, category: str, trade: bool, amount: int | None = None
) -> Sale:
    (low, high), items, _ = _CATALOGUE[category]
    price = Decimal(amount if amount is not None else rng.randint(low, high))
    if trade:
        price *= rng.randint(2, 5)
    cents = Decimal(rng.choice((0, 0, 50, 99, 95))) / 100
    return Sale(key, day, price + cents, category, rng.choice(items), "")


# -- the owner's contact log -------------------------------------------------------------------


def _log(
    rng: random.Random, customers: list[Customer], sales: list[Sale], today: date
) -> list[LogEntry]:
    """Visits, calls and emails the owner noted, after each customer's first purchase."""
    first: dict[int, date] = {}
    for s in sales:
        first.setdefault(s.customer, s.day)
    log = []
    for c in rng.sample(customers, 120):
        span = (today - first.get(c.key, today)).days
        for _ in range(rng.randint(1, 3) if span > 1 else 0):
            kind, summary = rng.choice(_VISITS)
            log.append(LogEntry(c.key, today - timedelta(days=rng.randint(1, span)), kind, summary))
    return sorted(log, key=lambda entry: (entry.day, entry.customer))


# -- what each tool holds ----------------------------------------------------------------------

CUSTOMER_HEADER = ["Name ", "E-mail", "Mobile", "Address", "Birthday", "Anniversary",
                   "Family", "Likes", "Preferred contact", "Newsletter", "Do not contact",
                   "Company", "Notes"]  # fmt: skip
PURCHASE_HEADER = ["Date", "Order #", "Customer", "E-mail", "Phone", "Amount", "Category", "Items"]
LOG_HEADER = ["Date", "E-mail", "Customer", "Type", "Summary"]
BAD_EMAIL_ROW = 6  # the sheet row (1-based, header is row 1) whose email has a typo
DUPLICATE_ROW_OF = 3  # the sheet row that the owner pasted twice (at the end)


def _typed_date(rng: random.Random, value: PartialDate | date | None) -> str:
    """A date as an owner types it: ISO, US, "14 Mar 1979", and "March 14" with no year."""
    if value is None:
        return ""
    if isinstance(value, date):
        value = PartialDate.from_date(value)
    month_name = date(2000, value.month, 1).strftime("%B")
    if value.year is None:
        return rng.choice((f"{month_name} {value.day}", f"{value.day} {month_name[:3]}"))
    iso = f"{value.year}-{value.month:02d}-{value.day:02d}"
    us = f"{value.month}/{value.day}/{value.year}"
    return rng.choice((iso, us, f"{value.day} {month_name[:3]} {value.year}"))


def _typed_phone(rng: random.Random, e164: str, style: int | None = None) -> str | int:
    """A US number written the way people write it; a bare number becomes a number cell."""
    area, exchange, line = e164[2:5], e164[5:8], e164[8:]
    forms: list[str | int] = [
        f"({area}) {exchange}-{line}",
        f"{area}.{exchange}.{line}",
        f"{area}-{exchange}-{line}",
        int(f"{area}{exchange}{line}"),
        f"{area} {exchange} {line}",
    ]
    return forms[style] if style is not None else rng.choice(forms)


def _family_text(c: Customer) -> str:
    parts = [f"spouse: {c.spouse}"] if c.spouse else []
    for name, born in c.children:
        parts.append(f"child: {name} ({born.iso()})" if born else f"child: {name}")
    return "; ".join(parts)


def customer_sheet(business: DemoBusiness) -> dict[str, list[list[str | int]]]:
    """The owner's spreadsheet, tab by tab, as typed (``USER_ENTERED``)."""
    rng = random.Random(_SEED + 1)
    rows: list[list[str | int]] = [list(CUSTOMER_HEADER)]
    for c in business.customers:
        if not c.in_sheet:
            continue
        email = c.email
        if email and rng.random() < 0.2:
            email = email.capitalize() + rng.choice((" ", "  ", ""))
        yes_no = {True: rng.choice(("yes", "Y", "TRUE")), False: "no", None: ""}
        address = f"{c.street}, {c.city}, OR {c.postal_code}" if c.street else ""
        rows.append([
            c.name + (" " if rng.random() < 0.15 else ""), email,
            _typed_phone(rng, c.phone), address, _typed_date(rng, c.birthday),
            _typed_date(rng, c.anniversary), _family_text(c), ", ".join(c.interests),
            c.preferred_channel, yes_no[c.marketing], "yes" if c.do_not_contact else "",
            c.company, c.notes,
        ])  # fmt: skip
    email = str(rows[BAD_EMAIL_ROW - 1][1]).strip()
    rows[BAD_EMAIL_ROW - 1][1] = email.replace("@", " at ") if email else "not-an-email@"
    rows.append(list(rows[DUPLICATE_ROW_OF - 1]))
    rows.insert(len(rows) // 2, [])  # an empty row in the middle
    purchases: list[list[str | int]] = [list(PURCHASE_HEADER)]
    for s in business.sales:
        c = business.customer(s.customer)
        amount = f"${s.amount:,.2f}" if rng.random() < 0.5 else f"{s.amount:.2f}"
        phone = "" if c.email and rng.random() < 0.7 else _typed_phone(rng, c.phone, 0)
        purchases.append([
            _typed_date(rng, s.day), s.order_id, c.name, c.email, phone, amount, s.category,
            s.items,
        ])  # fmt: skip
    log: list[list[str | int]] = [list(LOG_HEADER)]
    for entry in business.log:
        c = business.customer(entry.customer)
        who = c.email or _typed_phone(rng, c.phone, 0)
        log.append([_typed_date(rng, entry.day), who, c.name, entry.kind, entry.summary])
    return {"Customers": rows, "Purchases": purchases, "Interactions": log}


def _people_date(value: PartialDate) -> dict[str, int]:
    found = {"month": value.month, "day": value.day}
    return {**found, "year": value.year} if value.year else found


def google_contacts(business: DemoBusiness) -> tuple[list[dict], list[dict]]:
    """People API bodies: (customers for the "Customers" label, private non-customers)."""
    rng = random.Random(_SEED + 2)
    customers = []
    for c in business.customers:
        if not c.in_contacts:
            continue
        person: dict = {"names": [{"givenName": c.given_name, "familyName": c.family_name}]}
        if not c.family_name:
            person["names"] = [{"givenName": c.given_name}]
        emails = [e for e in (c.email, c.work_email) if e]
        if emails and (not c.in_sheet or rng.random() < 0.8):
            person["emailAddresses"] = [
                {"value": e.upper() if rng.random() < 0.1 else e, "type": t}
                for e, t in zip(dict.fromkeys(emails), ("home", "work"), strict=False)
            ]
        # The phone saved on a phone: international form, or written differently from the sheet.
        phone = c.phone if rng.random() < 0.5 else f"+1 {c.phone[2:5]}-{c.phone[5:8]}-{c.phone[8:]}"
        person["phoneNumbers"] = [{"value": phone, "type": "mobile"}]
        if c.birthday and rng.random() < 0.7:
            person["birthdays"] = [{"date": _people_date(c.birthday)}]
        if c.anniversary:
            person["events"] = [{"date": _people_date(c.anniversary), "type": "anniversary"}]
        relations = [{"person": c.spouse, "type": "spouse"}] if c.spouse else []
        relations += [{"person": name, "type": "child"} for name, _ in c.children]
        if relations:
            person["relations"] = relations
        if c.company:
            person["organizations"] = [{"name": c.company, "title": c.position}]
        if c.linkedin_url and rng.random() < 0.3:
            person["urls"] = [{"value": c.linkedin_url, "type": "profile"}]
        customers.append(person)
    private = []
    for name, phone, email in _PRIVATE_CONTACTS:
        person = {"names": [{"unstructuredName": name}], "phoneNumbers": [{"value": phone}]}
        if email:
            person["emailAddresses"] = [{"value": email}]
        private.append(person)
    return customers, private


CONNECTIONS_PREAMBLE = (
    "Notes:",
    '"When exporting your connection data, you may notice that some of the email addresses are '
    "missing. You will only see email addresses for connections who have allowed their "
    'connections to see or download their email address using this setting."',
    "",
)
CONNECTIONS_HEADER = ("First Name", "Last Name", "URL", "Email Address", "Company", "Position",
                      "Connected On")  # fmt: skip


def connections_csv(business: DemoBusiness) -> str:
    """LinkedIn's ``Connections.csv`` export: the "Notes:" preamble, the header, one line per
    connection (email mostly empty, as members hide it), newest connection first."""
    rng = random.Random(_SEED + 3)
    lines = []
    for c in business.customers:
        if c.on_linkedin and c.connected_on:
            email = c.work_email or (c.email if rng.random() < 0.2 else "")
            lines.append((c.given_name, c.family_name, c.linkedin_url, email, c.company,
                          c.position, c.connected_on))  # fmt: skip
    for i, (given, family, company, position) in enumerate(_LINKEDIN_STRANGERS):
        url = f"https://www.linkedin.com/in/{_ascii(given)}-{_ascii(family)}-{900 + i}"
        connected = business.today - timedelta(days=rng.randint(30, 1500))
        lines.append((given, family, url, "", company, position, connected))
    lines.sort(key=lambda line: line[-1], reverse=True)
    out = io.StringIO()
    out.write("\n".join(CONNECTIONS_PREAMBLE) + "\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CONNECTIONS_HEADER)
    for *values, connected in lines:
        writer.writerow([*values, connected.strftime("%d %b %Y")])
    return out.getvalue()
