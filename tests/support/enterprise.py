"""A school café and a help desk for the enterprise kind's tests: an enterprise
opportunity at a school site, its profile (till, form token), items and shifts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from db.models import EnterpriseProfile, Item, Opportunity, Person, Shift, Site

LA = ZoneInfo("America/Los_Angeles")
CODE = "enter" + "prise"  # the kind's code (spelled only in bot/kinds/ by the product)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LA)


@dataclass
class Business:
    opp: Opportunity
    site: Site
    supervisor: Person
    token: str


def business(
    make, *, title: str = "Morning cafe", till: bool = True, token: str = "cafe-form-token-1234567"
) -> Business:  # type: ignore[no-untyped-def]
    employer = make.employer("school_enterprise", insurance_expires=None, name=title)
    site = make.site(employer, lat=36.6100, lon=-119.4400, radius_m=80)
    boss = make.supervisor(employer, given_name="Gabriel")
    opp = make.opportunity(
        employer, site=site, supervisor=boss, kind=CODE, title=title, seats=30, est_hours="15"
    )
    make._save(
        EnterpriseProfile(opportunity_id=opp.id, till=till, order_token=token, updated_at=make.now)
    )
    return Business(opp, site, boss, token)


def shift(make, biz: Business, starts: str, ends: str, seats: int = 2) -> Shift:  # type: ignore[no-untyped-def]
    row = Shift(
        opportunity_id=biz.opp.id, starts_at=local(starts), ends_at=local(ends), seats=seats,
        updated_at=make.now,
    )  # fmt: skip
    make._save(row)
    return row


def item(make, biz: Business, name: str, par: str, cost: str, unit: str = "each") -> Item:  # type: ignore[no-untyped-def]
    row = Item(
        opportunity_id=biz.opp.id, item=name, unit=unit, par=Decimal(par),
        unit_cost=Decimal(cost), updated_at=make.now,
    )  # fmt: skip
    make._save(row)
    return row
