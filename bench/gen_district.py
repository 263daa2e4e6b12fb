"""Generate a synthetic district of any size: a OneRoster 1.1 bundle plus partner CSVs.

    python -m bench.gen_district OUT_DIR --students 50000

Deterministic (fixed seed): ~1.5 guardians per student with siblings sharing guardians,
one teacher per ~150 students, 2,000 employers and 5,000 opportunities by default.
Phone numbers are unique, valid US numbers in the 209/559/661 area codes.
"""

from __future__ import annotations

import argparse
import csv
import random
from dataclasses import dataclass
from pathlib import Path

import phonenumbers

GIVEN = [
    "Leah",
    "Samuel",
    "Kai",
    "Tomas",
    "Amara",
    "Yusuf",
    "Noah",
    "Aaliyah",
    "Fatima",
    "Diego",
    "Grace",
    "Lucas",
    "Mia",
    "Emma",
]
GIVEN += [
    "Liam",
    "Sofia",
    "Elena",
    "Mateo",
    "Camila",
    "Jayden",
    "Harper",
    "Isabella",
    "Oliver",
    "Ximena",
    "Andres",
    "Nadia",
]
FAMILY = [
    "Morales",
    "Cruz",
    "Delgado",
    "Sanchez",
    "Smith",
    "Moore",
    "Nguyen",
    "Johnson",
    "Walker",
    "Patel",
    "Young",
    "Ruiz",
]
FAMILY += [
    "Hernandez",
    "Thompson",
    "Garcia",
    "Martinez",
    "Baker",
    "Ortiz",
    "Torres",
    "Kim",
    "Rivera",
    "Lopez",
    "Vang",
    "Chen",
]
CLUSTERS = [
    "agriculture",
    "arts",
    "business",
    "construction",
    "education",
    "finance",
    "government",
    "health",
]
CLUSTERS += [
    "hospitality",
    "human-services",
    "it",
    "law",
    "manufacturing",
    "marketing",
    "stem",
    "transportation",
]
USER_HEADER = [
    "sourcedId",
    "status",
    "dateLastModified",
    "enabledUser",
    "orgSourcedIds",
    "role",
    "username",
    "userIds",
    "givenName",
    "familyName",
    "middleName",
    "identifier",
    "email",
    "sms",
    "phone",
    "agentSourcedIds",
    "grades",
    "password",
    "metadata.wbl.language",
    "metadata.wbl.transportation",
    "metadata.wbl.homeLat",
    "metadata.wbl.homeLon",
    "metadata.wbl.interests",
]
STAMP = "2026-08-15T00:00:00Z"


@dataclass
class Phones:
    """Unique valid numbers: area code, a valid exchange, four digits."""

    rng: random.Random
    n: int = 0

    def __post_init__(self) -> None:
        self.blocks = [
            (area, ex)
            for area in (209, 559, 661)
            for ex in range(201, 999)
            if ex % 100 != 11 and ex != 555 and _valid(f"+1{area}{ex}0100")
        ]
        self.rng.shuffle(self.blocks)

    def next(self) -> str:
        area, ex = self.blocks[self.n // 10000]
        number = f"+1{area}{ex}{self.n % 10000:04d}"
        self.n += 1
        return number


def _valid(number: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse(number, "US"))


def write_roster(out: Path, students: int, rng: random.Random, phones: Phones) -> None:
    """orgs.csv, users.csv, demographics.csv and manifest.csv."""
    schools = max(3, students // 1200)
    teachers = max(schools, students // 150)
    with (out / "orgs.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(
            [
                "sourcedId",
                "status",
                "dateLastModified",
                "name",
                "type",
                "identifier",
                "parentSourcedId",
            ]
        )
        w.writerow(
            [
                "district-1",
                "active",
                STAMP,
                "Synthetic Unified School District",
                "district",
                "D1",
                "",
            ]
        )
        for s in range(1, schools + 1):
            name = f"{rng.choice(FAMILY)} {rng.choice(FAMILY)} {s} High School"
            w.writerow([f"school-{s}", "active", STAMP, name, "school", f"S{s}", "district-1"])
    (out / "manifest.csv").write_text(
        "propertyName,value\r\nmanifest.version,1.0\r\noneroster.version,1.1\r\n"
        "file.orgs,bulk\r\nfile.users,bulk\r\nfile.demographics,bulk\r\n"
    )
    with (
        (out / "users.csv").open("w", newline="", encoding="utf-8") as uf,
        (out / "demographics.csv").open("w", newline="", encoding="utf-8") as df,
    ):
        users, demo = csv.writer(uf, lineterminator="\r\n"), csv.writer(df, lineterminator="\r\n")
        users.writerow(USER_HEADER)
        demo.writerow(["sourcedId", "status", "dateLastModified", "birthDate", "sex"])
        for t in range(1, teachers + 1):
            g, f = rng.choice(GIVEN), rng.choice(FAMILY)
            email = f"t{t}@example.org"
            users.writerow(
                [
                    f"staff-{t}",
                    "active",
                    STAMP,
                    "true",
                    f"school-{(t - 1) % schools + 1}",
                    "teacher",
                    email,
                    "",
                    g,
                    f,
                    "",
                    f"T{t}",
                    email,
                    "",
                    phones.next(),
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
            )
        family: list[str] = []
        fam_name, fam_lang = "", "en"
        for s in range(1, students + 1):
            if not family or rng.random() > 0.16:
                fam_name, fam_lang = rng.choice(FAMILY), rng.choice(("en", "en", "es"))
                family = []
                for k in range(2 if rng.random() < 0.8 else 1):
                    gid = f"guardian-{s}-{k}"
                    family.append(gid)
                    users.writerow(
                        [
                            gid,
                            "active",
                            STAMP,
                            "true",
                            "district-1",
                            rng.choice(("parent", "guardian")),
                            "",
                            "",
                            rng.choice(GIVEN),
                            fam_name,
                            "",
                            "",
                            "",
                            phones.next(),
                            "",
                            "",
                            "",
                            "",
                            fam_lang,
                            "",
                            "",
                            "",
                            "",
                        ]
                    )
            sid = f"student-{s}"
            school = rng.randint(1, schools)
            lat, lon = 36.3 + rng.random() * 0.6, -119.9 + rng.random() * 0.7
            interests = ";".join(rng.sample(CLUSTERS, 2))
            grade = rng.choice(("09", "10", "11", "12"))
            users.writerow(
                [
                    sid,
                    "active",
                    STAMP,
                    "true",
                    f"school-{school}",
                    "student",
                    f"s{s:06d}",
                    "",
                    rng.choice(GIVEN),
                    fam_name,
                    "",
                    f"{100000 + s}",
                    "",
                    phones.next(),
                    "",
                    ",".join(family),
                    grade,
                    "",
                    fam_lang,
                    rng.choice(("car", "transit", "none")),
                    f"{lat:.3f}",
                    f"{lon:.3f}",
                    interests,
                ]
            )
            born = f"{rng.randint(2007, 2012)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            demo.writerow([sid, "active", STAMP, born, rng.choice(("male", "female"))])


def write_partners(
    out: Path, employers: int, opportunities: int, rng: random.Random, phones: Phones
) -> None:
    """employers.csv, sites.csv, supervisors.csv, opportunities.csv."""
    kinds = ("business", "business", "nonprofit", "public_agency", "virtual_partner")
    with (
        (out / "employers.csv").open("w", newline="", encoding="utf-8") as ef,
        (out / "sites.csv").open("w", newline="", encoding="utf-8") as sf,
        (out / "supervisors.csv").open("w", newline="", encoding="utf-8") as pf,
    ):
        emp, site, sup = (csv.writer(f, lineterminator="\r\n") for f in (ef, sf, pf))
        emp.writerow(
            [
                "employer_id",
                "name",
                "kind",
                "contact_name",
                "contact_phone",
                "contact_email",
                "insurance_expires",
                "agreement_signed",
            ]
        )
        site.writerow(
            ["site_id", "employer_id", "name", "address", "lat", "lon", "radius_m", "transit"]
        )
        sup.writerow(
            [
                "supervisor_id",
                "employer_id",
                "given_name",
                "family_name",
                "phone",
                "email",
                "background_check_date",
            ]
        )
        for e in range(1, employers + 1):
            kind = rng.choice(kinds)
            name = f"{rng.choice(FAMILY)} {rng.choice(('Bakery', 'Clinic', 'Repair', 'Studio', 'Farm', 'Library'))} {e}"
            insured = (
                ""
                if kind == "virtual_partner"
                else f"20{rng.randint(26, 28)}-{rng.randint(1, 12):02d}-15"
            )
            emp.writerow(
                [
                    f"emp-{e}",
                    name,
                    kind,
                    f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}",
                    phones.next(),
                    f"c{e}@example.com",
                    insured,
                    f"2026-{rng.randint(1, 10):02d}-01",
                ]
            )
            if kind != "virtual_partner":
                site.writerow(
                    [
                        f"site-{e}",
                        f"emp-{e}",
                        name,
                        "",
                        f"{36.3 + rng.random() * 0.6:.5f}",
                        f"{-119.9 + rng.random() * 0.7:.5f}",
                        rng.choice((75, 100, 150)),
                        rng.choice(("yes", "no")),
                    ]
                )
            sup.writerow(
                [
                    f"sup-{e}",
                    f"emp-{e}",
                    rng.choice(GIVEN),
                    rng.choice(FAMILY),
                    phones.next(),
                    f"m{e}@example.com",
                    f"202{rng.randint(4, 6)}-{rng.randint(1, 12):02d}-10",
                ]
            )
    with (out / "opportunities.csv").open("w", newline="", encoding="utf-8") as of:
        opp = csv.writer(of, lineterminator="\r\n")
        opp.writerow(
            [
                "opportunity_id",
                "employer_id",
                "site_id",
                "supervisor_id",
                "kind",
                "title",
                "description",
                "deliverables",
                "est_hours",
                "seats",
                "career_cluster",
                "min_age",
                "starts",
                "due",
                "remote",
            ]
        )
        for o in range(1, opportunities + 1):
            e = rng.randint(1, employers)
            remote = rng.random() < 0.4
            opp.writerow(
                [
                    f"opp-{o}",
                    f"emp-{e}",
                    "" if remote else f"site-{e}",
                    f"sup-{e}",
                    "micro",
                    f"Project {o}",
                    "A short project.",
                    "A report",
                    rng.randint(4, 20),
                    rng.randint(1, 6),
                    rng.choice(CLUSTERS),
                    14,
                    "2026-12-01",
                    "2026-12-28",
                    "yes" if remote else "no",
                ]
            )
    # on-site opportunities of virtual partners have no site: make them remote
    rows = list(csv.reader((out / "opportunities.csv").open(newline="", encoding="utf-8")))
    sites = {r[0] for r in csv.reader((out / "sites.csv").open(newline="", encoding="utf-8"))}
    for r in rows[1:]:
        if r[2] and r[2] not in sites:
            r[2], r[14] = "", "yes"
    with (out / "opportunities.csv").open("w", newline="", encoding="utf-8") as of:
        csv.writer(of, lineterminator="\r\n").writerows(rows)


def generate(
    out: Path,
    students: int = 50_000,
    employers: int = 2_000,
    opportunities: int = 5_000,
    seed: int = 7,
) -> Path:
    """Write the whole bundle to `out` and return it."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    phones = Phones(random.Random(seed + 1))
    write_roster(out, students, rng, phones)
    write_partners(out, employers, opportunities, rng, phones)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--employers", type=int, default=2_000)
    parser.add_argument("--opportunities", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=7)
    ns = parser.parse_args()
    generate(ns.out, ns.students, ns.employers, ns.opportunities, ns.seed)
    print(f"wrote {ns.out}")


if __name__ == "__main__":
    main()
