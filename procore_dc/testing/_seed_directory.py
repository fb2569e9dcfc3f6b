"""Makers of the seeded company directory: companies, projects, users and vendors."""

from __future__ import annotations

import random

from procore_dc.testing._seed import CITIES, FIRST_NAMES, LAST_NAMES, STAGES, TRADES, stamp
from procore_dc.testing._store import Maker, Record
from procore_dc.testing._times import iso, iso_date

__all__ = ["make_company", "project_maker", "user_maker", "vendor_maker"]


def make_company(rng: random.Random, index: int, rid: int) -> Record:
    word = TRADES[index % len(TRADES)]
    return {
        "id": rid,
        "name": f"{word} Builders {index + 1}",
        "is_active": True,
        "logo_url": None,
        "pcn_business_experience": rng.random() < 0.5,
        "my_company": index == 0,
    }


def project_maker(company: Record) -> Maker:
    def make(rng: random.Random, index: int, rid: int) -> Record:
        city, state, zip_code = CITIES[rng.randrange(len(CITIES))]
        created = stamp(rng)
        name = f"{city} {rng.choice(['Tower', 'Clinic', 'School', 'Depot'])} {index + 1}"
        stage = rng.choice(STAGES)
        return {
            "id": rid,
            "name": name,
            "display_name": f"{1000 + index}: {name}",
            "project_number": str(1000 + index),
            "address": f"{rng.randrange(1, 999)} Main St",
            "city": city,
            "state_code": state,
            "country_code": "US",
            "zip": zip_code,
            "county": None,
            "time_zone": "US/Central",
            "latitude": round(rng.uniform(25, 48), 6),
            "longitude": round(rng.uniform(-122, -71), 6),
            "stage": stage,
            "project_stage": {"id": STAGES.index(stage) + 1, "name": stage},
            "project_template": None,
            "phone": f"555-01{rng.randrange(10, 99)}",
            "created_at": iso(created),
            "updated_at": iso(created + 86400),
            "active": index % 5 != 4,
            "is_demo": False,
            "parent_job_id": None,
            "origin_id": None,
            "origin_data": None,
            "origin_code": None,
            "owners_project_id": None,
            "total_value": float(rng.randrange(1, 500) * 100_000),
            "estimated_value": None,
            "store_number": None,
            "accounting_project_number": None,
            "designated_market_area": None,
            "project_region_id": None,
            "project_bid_type_id": None,
            "project_owner_type_id": None,
            "photo_id": None,
            "start_date": iso_date(created + 30 * 86400),
            "completion_date": iso_date(created + 400 * 86400),
            "fax": None,
            "company": {"id": company["id"], "name": company["name"]},
            "custom_fields": {},
        }

    return make


def user_maker(company: Record) -> Maker:
    domain = company["name"].lower().replace(" ", "") + ".example.com"

    def make(rng: random.Random, index: int, rid: int) -> Record:
        first = FIRST_NAMES[(index + rng.randrange(3)) % len(FIRST_NAMES)]
        last = LAST_NAMES[rng.randrange(len(LAST_NAMES))]
        city, state, zip_code = CITIES[rng.randrange(len(CITIES))]
        created = stamp(rng)
        return {
            "id": rid,
            "first_name": first,
            "last_name": last,
            "name": f"{first} {last}",
            "initials": f"{first[0]}{last[0]}",
            "email_address": f"{first.lower()}.{last.lower()}.{index}@{domain}",
            "job_title": rng.choice(["Project Manager", "Superintendent", "Engineer"]),
            "address": None,
            "city": city,
            "state_code": state,
            "zip": zip_code,
            "country_code": "US",
            "business_phone": f"555-02{index % 100:02d}",
            "business_phone_extension": None,
            "mobile_phone": None,
            "fax_number": None,
            "avatar": None,
            "business_id": None,
            "contact_id": rid + 5_000_000,
            "employee_id": f"E{index + 1:04d}",
            "email_signature": None,
            "is_active": True,
            "is_employee": True,
            "erp_integrated_accountant": False,
            "last_login_at": iso(created + 86400 * 30),
            "welcome_email_sent_at": iso(created),
            "notes": None,
            "origin_id": None,
            "origin_data": None,
            "work_classification_id": None,
            "permission_template": None,
            "company_permission_template": None,
            "vendor": {"id": company["id"], "name": company["name"]},
            "created_at": iso(created),
            "updated_at": iso(created + 3600),
        }

    return make


def vendor_maker(company: Record) -> Maker:
    def make(rng: random.Random, index: int, rid: int) -> Record:
        trade = TRADES[rng.randrange(len(TRADES))]
        city, state, zip_code = CITIES[rng.randrange(len(CITIES))]
        name = f"{LAST_NAMES[index % len(LAST_NAMES)]} {trade} Co"
        created = stamp(rng)
        return {
            "id": rid,
            "name": name,
            "abbreviated_name": name[:8],
            "legal_name": f"{name} LLC",
            "trade_name": trade,
            "address": f"{rng.randrange(1, 999)} Industrial Way",
            "city": city,
            "state_code": state,
            "zip": zip_code,
            "country_code": "US",
            "business_phone": f"555-03{index % 100:02d}",
            "mobile_phone": None,
            "fax_number": None,
            "email_address": f"office{index}@{trade.lower()}.example.com",
            "website": None,
            "business_id": None,
            "license_number": f"L-{rng.randrange(10000, 99999)}",
            "labor_union": None,
            "is_active": True,
            "is_connected": False,
            "authorized_bidder": rng.random() < 0.5,
            "prequalified": rng.random() < 0.5,
            "union_member": False,
            "non_union_prevailing_wage": False,
            "synced_to_erp": False,
            "company_vendor": True,
            "contact_count": rng.randrange(1, 6),
            "children_count": 0,
            "company": company["name"],
            "logo": None,
            "notes": None,
            "origin_id": None,
            "origin_code": None,
            "origin_data": None,
            "primary_contact": None,
            "vendor_group": None,
            "parent": None,
            "bidding": {},
            "bidding_distribution": [],
            "business_register": None,
            "attachments": [],
            "project_ids": [],
            "standard_cost_codes": [],
            "trades": [{"id": TRADES.index(trade) + 1, "name": trade}],
            "created_at": iso(created),
            "updated_at": iso(created + 7200),
        }

    return make
