"""Makers of each project tool's seeded records: RFIs, submittals, observations, folders,
files and manpower logs. Field sets follow procore-api.md section 3, field for field."""

from __future__ import annotations

import datetime as dt
import random
from typing import Callable

import attrs

from procore_dc.testing._seed import (
    MANPOWER_STATUSES,
    OBSERVATION_PRIORITIES,
    OBSERVATION_STATUSES,
    RFI_STATUSES,
    SUBMITTAL_STATUSES,
    TRADES,
    WORDS,
    stamp,
)
from procore_dc.testing._store import Maker, Partition, Record
from procore_dc.testing._times import iso, iso_date

__all__ = [
    "ProjectSeed",
    "file_maker",
    "folder_maker",
    "manpower_log_maker",
    "observation_maker",
    "rfi_maker",
    "submittal_maker",
]


@attrs.frozen
class ProjectSeed:
    """What a project tool's maker may use.

    :ivar person: picks a person ref of the company with the record's rng
    :ivar folders: the project's folders (files are filed in them)
    :ivar file_version: builds a file version record (``SandboxData.file_version``)
    :ivar today: the sandbox's first day (manpower logs lead up to it)
    """

    company: Record
    project: Record
    person: Callable[[random.Random], Record]
    folders: Callable[[], Partition]
    file_version: Callable[[int, int, str, int, float, Record], Record]
    today: dt.datetime


def rfi_maker(at: ProjectSeed) -> Maker:
    def make(rng: random.Random, index: int, rid: int) -> Record:
        created = stamp(rng)
        status = RFI_STATUSES[rng.randrange(3)]
        assignee = at.person(rng)
        creator = at.person(rng)
        subject = " ".join(rng.choice(WORDS) for _ in range(3)).capitalize()
        return {
            "id": rid,
            "number": str(index + 1),
            "full_number": f"RFI-{index + 1}",
            "prefix": "RFI",
            "subject": f"{subject} clarification",
            "status": status,
            "translated_status": status.capitalize(),
            "private": False,
            "reference": None,
            "due_date": iso_date(created + 14 * 86400),
            "initiated_at": iso(created),
            "time_resolved": iso(created + 5 * 86400) if status == "closed" else None,
            "created_at": iso(created),
            "updated_at": iso(created + rng.randrange(1, 20) * 3600),
            "deleted": False,
            "deleted_at": None,
            "link": f"https://sandbox.procore.com/{at.project['id']}/project/rfi/show/{rid}",
            "location_id": None,
            "location": None,
            "questions": [{"id": rid * 10 + 1, "body": f"Please confirm {subject}.", "errors": []}],
            "assignee": assignee,
            "assignees": [assignee],
            "created_by": creator,
            "ball_in_court": assignee,
            "ball_in_courts": [assignee],
            "received_from": creator,
            "rfi_manager": creator,
            "responsible_contractor": None,
            "cost_code": None,
            "cost_impact": {"status": "n_a", "value": None},
            "schedule_impact": {"status": "n_a", "value": None},
            "project_stage": at.project.get("project_stage"),
            "sub_job": None,
            "custom_fields": {},
            "accepted": status == "closed",
            "draft": status == "draft",
            "ball_in_court_role": "Assignee",
            "distribution_list": [],
            "drawing_ids": [],
            "drawing_number": None,
            "specification_section": None,
            "custom_textfield_1": None,
            "custom_textfield_2": None,
        }

    return make


def submittal_maker(at: ProjectSeed) -> Maker:
    def make(rng: random.Random, index: int, rid: int) -> Record:
        created = stamp(rng)
        status = SUBMITTAL_STATUSES[rng.randrange(len(SUBMITTAL_STATUSES))]
        creator = at.person(rng)
        return {
            "id": rid,
            "number": str(index + 1),
            "formatted_number": f"{index + 1:03d}",
            "revision": "0",
            "title": f"{rng.choice(TRADES)} shop drawings {index + 1}",
            "description": None,
            "status": {
                "id": SUBMITTAL_STATUSES.index(status) + 1,
                "name": status,
                "status": status,
            },
            "type": {"id": 1, "name": "Shop Drawing"},
            "private": False,
            "current_revision": True,
            "due_date": iso_date(created + 21 * 86400),
            "issue_date": iso_date(created),
            "received_date": None,
            "submit_by": iso_date(created + 7 * 86400),
            "distributed_at": None,
            "created_at": iso(created),
            "updated_at": iso(created + 3600),
            "created_by": creator,
            "received_from": creator,
            "submittal_manager": creator,
            "approvers": [],
            "ball_in_court": [],
            "distribution_members": [],
            "responsible_contractor": None,
            "specification_section": None,
            "submittal_package": None,
            "last_distributed_submittal": None,
            "associated_attachments": [],
            "drawing_ids": [],
            "linked_drawing_ids": [],
            "location_id": None,
            "cost_code_id": None,
            "sub_job_id": None,
            "custom_fields": {},
        }

    return make


def observation_maker(at: ProjectSeed) -> Maker:
    def make(rng: random.Random, index: int, rid: int) -> Record:
        created = stamp(rng)
        status = OBSERVATION_STATUSES[rng.randrange(len(OBSERVATION_STATUSES))]
        name = f"{rng.choice(WORDS).capitalize()} {rng.choice(['guardrail', 'debris'])}"
        return {
            "id": rid,
            "number": str(index + 1),
            "name": name,
            "description": f"{name} observed on site.",
            "description_rich_text": f"<p>{name} observed on site.</p>",
            "status": status,
            "priority": rng.choice(OBSERVATION_PRIORITIES),
            "personal": False,
            "date_notified": iso_date(created),
            "due_date": iso_date(created + 7 * 86400),
            "closed_at": iso(created + 86400) if status == "closed" else None,
            "created_at": iso(created),
            "updated_at": iso(created + 1800),
            "deleted_at": None,
            "origin": None,
            "assignee": at.person(rng),
            "created_by": at.person(rng),
            "location": None,
            "specification_section": None,
            "trade": {"id": 1, "name": rng.choice(TRADES)},
            "type": {"id": 1, "name": "Safety", "category": "safety"},
            "custom_fields": {},
        }

    return make


def folder_maker(at: ProjectSeed) -> Maker:
    def make(rng: random.Random, index: int, rid: int) -> Record:
        root_id = rid - index
        name = "" if index == 0 else f"{rng.choice(TRADES)} {index}"
        return {
            "id": rid,
            "name": name,
            "parent_id": None if index == 0 else root_id,
            "private": False,
            "updated_at": iso(stamp(rng)),
            "is_tracked": False,
            "tracked_folder": None,
            "name_with_path": name,
            "folders": [],
            "files": [],
            "read_only": False,
            "is_deleted": False,
            "is_recycle_bin": False,
            "has_children": False,
            "has_children_files": False,
            "has_children_folders": False,
            "custom_fields": {},
        }

    return make


def file_maker(at: ProjectSeed) -> Maker:
    def make(rng: random.Random, index: int, rid: int) -> Record:
        folders = at.folders()
        subfolders = folders.size - 1
        parent = folders.id_for(1 + index % subfolders) if subfolders else folders.id_for(0)
        created = stamp(rng)
        name = f"{rng.choice(WORDS)}-{index + 1}.pdf"
        creator = at.person(rng)
        versions = [
            at.file_version(rid, n, name, rng.randrange(10_000, 900_000), created, creator)
            for n in range(1, 1 + rng.randrange(1, 3))
        ]
        return {
            "id": rid,
            "name": name,
            "parent_id": parent,
            "size": versions[-1]["size"],
            "description": None,
            "created_at": iso(created),
            "updated_at": iso(created + 60),
            "checked_out_until": None,
            "checked_out_by": None,
            "name_with_path": name,
            "private": False,
            "is_tracked": False,
            "file_type": "pdf",
            "file_versions": versions,
            "legacy_id": None,
            "is_deleted": False,
            "custom_fields": {},
        }

    return make


def manpower_log_maker(at: ProjectSeed) -> Maker:
    def make(rng: random.Random, index: int, rid: int) -> Record:
        day = at.today - dt.timedelta(days=index % 30)
        workers = rng.randrange(1, 12)
        hours = rng.choice([4, 8, 10])
        return {
            "id": rid,
            "date": day.strftime("%Y-%m-%d"),
            "datetime": day.replace(hour=12).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "num_workers": workers,
            # Decimal-looking fields are strings in Procore (procore-api.md 3.10).
            "num_hours": f"{hours:.1f}",
            "man_hours": f"{workers * hours:.1f}",
            "notes": f"{rng.choice(TRADES)} crew",
            "position": index,
            "status": MANPOWER_STATUSES[rng.randrange(2)],
            "created_at": iso(day.timestamp() + 15 * 3600),
            "updated_at": iso(day.timestamp() + 16 * 3600),
            "deleted_at": None,
            "vendor": None,
            "user": None,
            "contact": None,
            "cost_code": None,
            "created_by": at.person(rng),
            "location": None,
            "attachments": [],
            "trade": None,
            "custom_fields": {},
            "permissions": {"can_update": True, "can_delete": True},
        }

    return make
