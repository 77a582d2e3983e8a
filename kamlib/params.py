"""Report parameters: ``params/defaults.yaml`` overridden by ``params/<account_id>.yaml``.

The same names are used everywhere: a key in the YAML files is a field here and, where it is
one, a KPI column of ``kpis.csv`` (the keys of ``targets`` and ``red_at`` are KPI names).
"""

from __future__ import annotations

from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from kamlib.components import HEALTH_KPIS
from kamlib.errors import ParamsError
from kamlib.i18n import languages
from kamlib.schema import is_valid_account_id

__all__ = [
    "Escalation",
    "Health",
    "KeyAccounts",
    "Mail",
    "Params",
    "Smtp",
    "mail_address",
    "RedAt",
    "Targets",
    "load_params",
    "merge",
    "scaffold",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Targets(_Strict):
    """What counts as good: a KPI at or better than its target scores 100 in the health score."""

    revenue_growth: float = Field(0.05, ge=-1, le=10, description="growth over previous window")
    revenue_12m: float | None = Field(
        None,
        description="revenue target for the next 12 months; default: last 12 months "
        "grown by revenue_growth",
    )
    nps: float = Field(30, ge=-100, le=100)
    csat: float = Field(4.0, ge=1, le=5)
    otif_rate: float = Field(0.95, ge=0, le=1, description="used where contracts has none")
    avg_days_late: float = Field(5, ge=0)
    payment_terms_days: int = Field(30, ge=0, description="used where contracts has none")
    days_since_contact: float = Field(30, ge=0)
    contacts_per_month: float = Field(2, ge=0, description="contact cadence")
    open_complaints: float = Field(0, ge=0)
    complaint_resolution_days: float = Field(14, ge=0)
    repeat_complaints: float = Field(
        1, ge=0, description="most complaints of one category in the window"
    )
    roles_covered: float = Field(
        1.0, ge=0, le=1, description="share of contact roles reached in 180 days"
    )
    price_realisation: float = Field(
        1.0, gt=0, description="realised revenue / revenue at the agreed prices"
    )
    days_to_notice: float = Field(180, ge=0, description="days left to the notice deadline")


class RedAt(_Strict):
    """What counts as bad: a KPI at or worse than this scores 0; linear in between."""

    revenue_growth: float = -0.10
    nps: float = -10
    csat: float = 3.0
    otif_rate: float = 0.80
    avg_days_late: float = 30
    days_since_contact: float = 120
    open_complaints: float = 4
    contacts_per_month: float = 0.5
    roles_covered: float = 0.0
    complaint_resolution_days: float = 60
    repeat_complaints: float = 4
    price_realisation: float = 0.95
    days_to_notice: float = 0


class Escalation(_Strict):
    """Rules that make the weighted method's traffic light worse than the score's, so that a
    collapse of several components (or of one that matters most) is not averaged away.

    A component counts as red when it is in the score (weight > 0), has data and scores below
    ``yellow_from``; a component without data never counts. The rules add nothing to the
    ``rules`` method, which already takes the worst component's light.
    """

    red_components: int | None = Field(
        4,
        ge=1,
        le=len(HEALTH_KPIS),
        description="red when at least this many components are red (null: no such rule)",
    )
    yellow_components: int | None = Field(
        2,
        ge=1,
        le=len(HEALTH_KPIS),
        description="at least yellow when at least this many components are red (null: none)",
    )
    critical: list[str] = Field(
        default_factory=list, description="components that make the account red on their own"
    )

    @model_validator(mode="after")
    def _check(self) -> Escalation:
        unknown = sorted(set(self.critical) - set(HEALTH_KPIS))
        if unknown:
            raise ValueError(
                f"unknown critical components {unknown}; expected some of {list(HEALTH_KPIS)}"
            )
        if len(set(self.critical)) != len(self.critical):
            raise ValueError(f"critical components listed twice: {self.critical}")
        # yellow_components above red_components is allowed (never decisive: red comes first),
        # so that an account's file may lower red_components alone
        return self

    @property
    def active(self) -> bool:
        """Whether any rule is set."""
        return (
            self.red_components is not None
            or self.yellow_components is not None
            or bool(self.critical)
        )


class Health(_Strict):
    """Health score: weights, method, traffic-light thresholds and escalation rules."""

    method: Literal["weighted", "rules"] = "weighted"
    weights: dict[str, float] = Field(
        default_factory=lambda: {
            "revenue_growth": 0.25,
            "nps": 0.15,
            "csat": 0.10,
            "otif_rate": 0.15,
            "avg_days_late": 0.10,
            "days_since_contact": 0.15,
            "open_complaints": 0.10,
            "contacts_per_month": 0.05,
            "roles_covered": 0.05,
            "complaint_resolution_days": 0.05,
            "repeat_complaints": 0.05,
            "price_realisation": 0.05,
            "days_to_notice": 0.05,
        }
    )
    green_from: float = Field(80, ge=0, le=100)
    yellow_from: float = Field(50, ge=0, le=100)
    escalation: Escalation = Field(default_factory=Escalation)

    @model_validator(mode="after")
    def _check(self) -> Health:
        unknown = sorted(set(self.weights) - set(HEALTH_KPIS))
        if unknown:
            raise ValueError(
                f"unknown health weights {unknown}; expected some of {list(HEALTH_KPIS)}"
            )
        if any(w < 0 for w in self.weights.values()) or sum(self.weights.values()) <= 0:
            raise ValueError(
                f"health weights must be >= 0 and sum to more than 0, got {self.weights}"
            )
        if self.yellow_from > self.green_from:
            raise ValueError(
                f"yellow_from ({self.yellow_from}) must not exceed green_from ({self.green_from})"
            )
        # a critical component outside the score would never count: refused, not ignored
        unweighted = [k for k in self.escalation.critical if self.weights.get(k, 0.0) <= 0]
        if unweighted:
            raise ValueError(
                f"critical components {unweighted} have no weight in the health score (a "
                "component counts only with a weight > 0); give them a weight or remove them "
                "from escalation.critical"
            )
        return self


class Concentration(_Strict):
    """Portfolio dependency alerts."""

    single_account_share: float = Field(0.15, gt=0, le=1)
    top5_share: float = Field(0.50, gt=0, le=1)


class KeyAccounts(_Strict):
    """The key-account rule: which accounts get their own report when the data's ``accounts``
    table has no ``key_account`` column (where it has one, the column decides and this rule is
    not used). A setting of the whole run: ``defaults.yaml`` only.

    The accounts of the ABC ``classes`` (data contract, section 3), at most the ``max`` largest
    by ``revenue_12m`` (ties by ``account_id``); or, when ``ids`` is given, exactly those.
    Applied by :func:`kamlib.key_accounts.select`.
    """

    classes: list[Literal["A", "B", "C"]] = Field(
        default_factory=lambda: ["A"], description="the ABC classes whose accounts are key"
    )
    max: int | None = Field(
        None, ge=1, description="at most this many, the largest by revenue_12m; null: no cap"
    )
    ids: list[str] = Field(
        default_factory=list,
        description="exactly these accounts (then classes and max are not used)",
    )

    @field_validator("ids", mode="before")
    @classmethod
    def _ids_as_text(cls, value: Any) -> Any:
        # YAML reads 007 as the number 7 and 1e3 as a float: an id must be written as text
        for item in value if isinstance(value, list) else []:
            if not isinstance(item, str):
                raise ValueError(
                    f"write every account id in quotes, as text (YAML reads 007 as the number "
                    f"7), got {item!r}"
                )
        return value

    @model_validator(mode="after")
    def _check(self) -> KeyAccounts:
        bad = [a for a in self.ids if not is_valid_account_id(a)]
        if bad:
            raise ValueError(
                f"ids must be account_ids (1-64 characters of A-Z a-z 0-9 _ . -), got {bad[:10]}"
            )
        twice = sorted({a for a in self.ids if self.ids.count(a) > 1})
        if twice:
            raise ValueError(f"ids listed twice: {twice[:10]}")
        if len(set(self.classes)) != len(self.classes):
            raise ValueError(f"classes listed twice: {self.classes}")
        if not self.ids and not self.classes:
            raise ValueError("name at least one ABC class in classes, or the accounts in ids")
        if self.ids and self.max is not None:
            raise ValueError(
                f"give either ids (exactly these accounts) or max (at most the {self.max} "
                "largest of the classes), not both"
            )
        return self


def mail_address(value: str) -> str:
    """``value`` when it is an e-mail address (``a@example.com`` or ``Name <a@example.com>``).

    Raises
    ------
    ValueError
        Saying what was expected and what was got.
    """
    name, addr = parseaddr(str(value))
    try:
        parsed = Address(addr_spec=addr) if "@" in addr else None
    except (ValueError, IndexError, HeaderParseError):
        parsed = None
    if parsed is None or not parsed.domain or (not name and addr != str(value).strip()):
        raise ValueError(
            f"expected an e-mail address like anna@example.com or "
            f"'Anna Becker <anna@example.com>', got {value!r}"
        )
    return str(value).strip()


MailAddress = Annotated[str, AfterValidator(mail_address)]
#: the names under which a secret could be slipped into a parameter file
_SECRETS = ("password", "secret", "client_secret", "token")


class Smtp(_Strict):
    """The SMTP server ``kam send`` delivers through. No password here, ever: it comes from the
    environment variable ``password_env`` or the system keyring."""

    host: str = Field("", description="empty: no server (dry runs and drafts still work)")
    port: int | None = Field(None, ge=1, le=65535, description="default 587, 465 or 25")
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str = Field("", description="empty: a relay that needs no login")
    auth: Literal["password", "xoauth2"] = "password"
    password_env: str = Field(
        "KAM_SMTP_PASSWORD",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="environment variable with the password (the client secret for xoauth2)",
    )
    keyring: bool = Field(False, description="read the password from the system keyring")
    tenant_id: str = Field("", description="xoauth2: the Microsoft Entra tenant")
    client_id: str = Field("", description="xoauth2: the application (client) id")
    ca_file: str = Field("", description="a CA bundle for a company's own certificates")
    timeout: int = Field(60, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _no_secret(cls, data: Any) -> Any:
        if isinstance(data, dict):
            found = sorted(k for k in data if str(k).lower() in _SECRETS)
            if found:
                raise ValueError(
                    f"{', '.join(found)} must not be in a parameter file: set the environment "
                    "variable named by smtp.password_env (KAM_SMTP_PASSWORD by default) or use "
                    "the system keyring (smtp.keyring: true)"
                )
        return data

    @property
    def effective_port(self) -> int:
        """The port, or the usual one for the security."""
        return self.port or {"starttls": 587, "ssl": 465, "none": 25}[self.security]


class Mail(_Strict):
    """How ``kam send`` writes and sends the mails."""

    sender: MailAddress | Literal[""] = Field("", description="From, e.g. 'KAM <kam@example.com>'")
    reply_to: MailAddress | Literal[""] = ""
    subject: str = Field(
        "",
        description="placeholders: {name} {date} {account_id}; empty: 'Key account report "
        "{name}, {date}' in the account's language",
    )
    per_minute: int = Field(30, ge=1, description="at most this many messages a minute")
    attach_html: bool = Field(False, description="also attach the HTML report (often blocked)")
    max_message_mb: float = Field(20, gt=0)
    retries: int = Field(3, ge=0, description="attempts after a temporary (4xx) failure")
    retry_wait_seconds: float = Field(30, ge=0, description="first wait; doubled each retry")
    owners: dict[str, MailAddress] = Field(
        default_factory=dict,
        description="key account manager (accounts.owner) -> address: the To of an account "
        "without recipients of its own",
    )
    errors_to: MailAddress | Literal[""] = Field(
        "", description="the analyst who gets failed and partial reports (never their readers)"
    )
    smtp: Smtp = Field(default_factory=Smtp)


class Params(_Strict):
    """All parameters of one account's report (defaults merged with the account's overrides)."""

    language: str = Field(
        "en", description="the report's language: en, or any language with a catalog (de)"
    )
    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")
    recipients: list[MailAddress] = Field(default_factory=list, description="To")
    cc: list[MailAddress] = Field(default_factory=list)
    bcc: list[MailAddress] = Field(default_factory=list)
    mail: Mail = Field(default_factory=Mail)
    notice_horizon_days: int = Field(180, ge=0)
    forecast_horizon: int = Field(12, ge=1, le=36)
    targets: Targets = Field(default_factory=Targets)
    red_at: RedAt = Field(default_factory=RedAt)
    health: Health = Field(default_factory=Health)
    concentration: Concentration = Field(default_factory=Concentration)
    key_accounts: KeyAccounts = Field(default_factory=KeyAccounts)
    comment_themes: dict[str, list[str]] = Field(
        default_factory=dict, description="extra comment themes: name -> keywords"
    )

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        known = languages()
        if value not in known:
            raise ValueError(f"expected one of {', '.join(known)} (a language with a catalog)")
        return value


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge ``override`` into ``base`` (dicts merged, everything else replaced)."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML ({exc})") from None
    except OSError as exc:
        raise ParamsError(f"{path}: cannot be read ({exc.strerror})") from None
    if content is None:
        return {}
    if not isinstance(content, dict):
        raise ParamsError(
            f"{path}: expected a mapping of parameter names, got {type(content).__name__}"
        )
    return content


def _build(raw: dict[str, Any], source: str) -> Params:
    try:
        return Params.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
            # the SMTP settings may hold a secret put there by mistake: it is never repeated
            got = "" if loc.startswith("mail.smtp") else f" (got {err.get('input')!r})"
            lines.append(f"  - {loc}: {err['msg']}{got}")
        raise ParamsError(f"{source}: invalid parameters\n" + "\n".join(lines)) from None


def load_params(params_dir: str | Path | None, account_id: str | None = None) -> Params:
    """Parameters for one account: defaults, then ``defaults.yaml``, then ``<account_id>.yaml``.

    Parameters
    ----------
    params_dir : str, Path or None
        Folder with ``defaults.yaml`` and per-account files; ``None`` or a missing folder means
        the built-in defaults.
    account_id : str, optional
        Account whose overrides to apply; a missing file means defaults.

    Raises
    ------
    ParamsError
        If a file is not valid YAML or a value is out of range, naming the file and the key.
    """
    # start from the built-in defaults so that a partial mapping (one weight) merges deeply
    raw: dict[str, Any] = Params().model_dump()
    sources = ["built-in defaults"]
    if params_dir:
        folder = Path(params_dir)
        defaults = folder / "defaults.yaml"
        if defaults.is_file():
            raw = merge(raw, _read_yaml(defaults))
            sources.append(str(defaults))
        if account_id:
            own = folder / f"{account_id}.yaml"
            if own.is_file():
                overrides = _read_yaml(own)
                if "key_accounts" in overrides:
                    raise ParamsError(
                        f"{own}: key_accounts selects the key accounts of the whole run: set "
                        f"it in {defaults}, not in one account's file"
                    )
                raw = merge(raw, overrides)
                sources.append(str(own))
    return _build(raw, " + ".join(sources))


def scaffold(
    params_dir: str | Path, accounts: list[tuple[str, str]], overwrite: bool = False
) -> list[Path]:
    """Write a commented ``<account_id>.yaml`` for every account that has none.

    Parameters
    ----------
    params_dir : str or Path
        Target folder.
    accounts : list of (account_id, name)
        Accounts to scaffold; ids must already be validated against the contract's pattern.
    overwrite : bool, default False
        Replace existing files.

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(params_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for account_id, name in accounts:
        path = folder / f"{account_id}.yaml"
        if path.exists() and not overwrite:
            continue
        safe_name = " ".join(str(name).split())
        path.write_text(
            f"# Parameters for {account_id} ({safe_name}); anything not set here comes from\n"
            "# defaults.yaml. Uncomment and change what differs for this account.\n"
            "# recipients: [key.account.manager@example.com]\n"
            "# targets:\n"
            "#   revenue_growth: 0.05\n"
            "#   nps: 30\n"
            "#   otif_rate: 0.95\n",
            encoding="utf-8",
        )
        written.append(path)
    return written
