"""The rule interface: what a playbook rule is and what it is given to work with.

A rule is any object with a ``name``, a ``title``, ``defaults`` (its settings and their default
values, whose types are the settings' types: see :func:`rule_schema`; a rule may declare
``settings_schema`` too, for ranges, choices or documentation) and ``generate(context)``.
Built-in rules live in :mod:`relationkit.followups.rules`; a plugin adds its own through the
``register_rules(register)`` hook.

Rules only say *who* and *why*: consent, do-not-contact and the channel are decided once, for
every rule, by the engine (a rule may put the channel that suits its action best in
``FollowUp.channel`` as a hint, such as ``POST`` for a handwritten note; a title that names the
action comes from :func:`fitting_title`, so that it fits the channel chosen). A rule whose
suggestions describe a state that can end may set ``retires_unsuggested = True``: an open
follow-up of it that a later run no longer suggests is then retired (see :mod:`.engine`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from ..errors import ConfigError
from ..models import Channel, Contact
from ..settings import Setting, check_table, schema_from_defaults, with_defaults
from .channels import choose_channel

if TYPE_CHECKING:
    from ..models import FollowUp
    from .context import PlaybookContext

# Every rule has these settings, whatever its own defaults say.
COMMON_DEFAULTS: dict[str, Any] = {"enabled": True}


@runtime_checkable
class Rule(Protocol):
    """A playbook rule. ``name`` is its ``[playbook.<name>]`` table in the config file."""

    name: ClassVar[str]
    title: ClassVar[str]
    defaults: ClassVar[dict[str, Any]]

    def generate(self, context: PlaybookContext) -> Iterable[FollowUp]:
        """The follow-ups this rule suggests today (the engine drops ones already known)."""
        ...


def rule_schema(rule: Rule) -> dict[str, Setting]:
    """Every setting of ``[playbook.<name>]``: ``enabled``, then the rule's ``defaults`` as
    :func:`relationkit.settings.schema_from_defaults` reads them (the default's type; numbers 0
    or more), overridden by the rule's ``settings_schema`` when it declares one."""
    derived = schema_from_defaults({**COMMON_DEFAULTS, **rule.defaults})
    return {**derived, **getattr(rule, "settings_schema", {})}


def rule_settings(rule: Rule, configured: dict[str, Any] | None) -> dict[str, Any]:
    """The rule's defaults overlaid with its ``[playbook.<name>]`` table; an unknown key or a
    value that does not fit its setting is a :class:`ConfigError` naming every one."""
    schema = rule_schema(rule)
    configured = configured or {}
    problems = check_table(configured, schema)
    if problems:
        raise ConfigError(
            f"[playbook.{rule.name}]: "
            + "; ".join(message for _, message in problems)
            + " (see docs/playbook.md)"
        )
    return with_defaults(configured, schema)


def fill(template: str, rule: str, setting: str, **values: Any) -> str:
    """A wording template with ``{name}``-style fields filled in; a wrong field name says which."""
    try:
        return template.format_map(values)
    except (KeyError, IndexError, ValueError) as exc:
        fields = ", ".join("{" + name + "}" for name in sorted(values))
        raise ConfigError(
            f"[playbook.{rule}] {setting} = {template!r}: cannot fill it in ({exc}); "
            f"use these fields: {fields}"
        ) from exc


def fitting_title(
    contact: Contact,
    settings: dict[str, Any],
    rule: str,
    titles: tuple[str, str],
    *,
    hint: Channel,
    marketing: bool = False,
    **values: Any,
) -> tuple[str, Channel]:
    """The title of a suggestion whose wording names a channel ("Call...", "Send a card"), and
    the channel hint to give it.

    ``titles`` names two settings: the wording for ``hint`` (the action's own channel) and one
    for any other. The channel is chosen as the engine will (:func:`.channels.choose_channel`):
    someone who prefers email, or has no postal address, is not told a card is in the post.
    """
    channel = choose_channel(contact, marketing=marketing, hint=hint)
    setting = titles[0] if channel in (None, hint) else titles[1]
    return fill(settings[setting], rule, setting, **values), channel or hint
