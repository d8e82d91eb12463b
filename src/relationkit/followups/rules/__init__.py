"""The built-in playbook rules, one module each (registered by :mod:`..builtin`)."""

from __future__ import annotations

from ..rule import Rule
from .feedback import Feedback
from .keep_in_touch import KeepInTouch
from .recommend import Recommend
from .seasonal import Seasonal
from .special_dates import SpecialDates
from .top_customers import TopCustomers
from .top_spender import TopSpender
from .welcome import Welcome
from .winback import WinBack


def builtin_rules() -> list[Rule]:
    """A fresh instance of every built-in rule, in the order the playbook describes them."""
    return [
        TopSpender(),
        Welcome(),
        TopCustomers(),
        SpecialDates(),
        WinBack(),
        KeepInTouch(),
        Seasonal(),
        Feedback(),
        Recommend(),
    ]
