"""Request and response models of the register (contract 2.2 table): locations, people, read
points and assets, each identified by its code."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from sync_server.services.identities import asset_tag_problem

Code = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[^\x00-\x1f\x7f]+$")]
Name = Annotated[str, Field(min_length=1, max_length=256)]
Gln = Annotated[str, Field(pattern=r"^[0-9]{13}$")]


def _valid_tag(text: str) -> str:
    problem = asset_tag_problem(text)
    if problem is not None:
        raise ValueError(problem)
    return text


# An asset tag is also a scannable identity (key `tag/<asset tag>`, contract 2.2) and a URL
# path segment, so it has no "/" and never ends in /history or /identifiers.
AssetTag = Annotated[Code, AfterValidator(_valid_tag)]
ASSET_STATUSES = ("active", "retired", "lost", "disposed", "repair")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LocationIn(_In):
    """A location: `parent` is the code of the enclosing location."""

    code: Code
    name: Name
    parent: Code | None = None
    gln: Gln | None = None


class LocationPatch(_In):
    """Fields of a location to change."""

    name: Name | None = None
    parent: Code | None = None
    gln: Gln | None = None


class PersonIn(_In):
    """A person who can hold assets."""

    code: Code
    name: Name
    email: Annotated[str, Field(max_length=256)] | None = None
    active: bool = True


class PersonPatch(_In):
    """Fields of a person to change."""

    name: Name | None = None
    email: Annotated[str, Field(max_length=256)] | None = None
    active: bool | None = None


class ReadPointIn(_In):
    """A read point; `inside`/`outside` are the two sides of a portal."""

    code: Code
    name: Name | None = None
    location: Code | None = None
    inside: Code | None = None
    outside: Code | None = None


class ReadPointPatch(_In):
    """Fields of a read point to change."""

    name: Name | None = None
    location: Code | None = None
    inside: Code | None = None
    outside: Code | None = None


Amount = Annotated[Decimal, Field(ge=0, lt=10**12, decimal_places=2)]
DepreciationMethod = Literal[
    "straight_line",
    "declining_balance_200",
    "declining_balance_150",
    "sum_of_years_digits",
    "units_of_production",
]
Convention = Literal["full_month", "mid_month", "half_year"]
MAX_LIFE_MONTHS = 1200


class UsageIn(_In):
    """Recorded use of an asset on a date: counted `units`, or a cumulative meter `reading`."""

    date: date
    units: Annotated[Decimal, Field(ge=0, lt=10**12, decimal_places=2)] | None = None
    reading: Annotated[Decimal, Field(ge=0, lt=10**12, decimal_places=2)] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> UsageIn:
        if (self.units is None) == (self.reading is None):
            raise ValueError("give either units (counted use) or reading (a meter), not both")
        return self


class AssetFields(_In):
    """Optional asset fields shared by create and change."""

    status: Annotated[str, Field(max_length=32)] | None = None
    home_location: Code | None = None
    epc: Annotated[str, Field(min_length=1, max_length=1024)] | None = None
    barcode: Annotated[str, Field(min_length=1, max_length=1024)] | None = None
    category: Annotated[str, Field(max_length=128)] | None = None
    model_name: Annotated[str, Field(max_length=256)] | None = None
    serial_number: Annotated[str, Field(max_length=128)] | None = None
    purchase_date: date | None = None
    purchase_cost: Annotated[Decimal, Field(ge=0, lt=10**12, decimal_places=2)] | None = None
    supplier: Annotated[str, Field(max_length=256)] | None = None
    order_number: Annotated[str, Field(max_length=128)] | None = None
    warranty_months: Annotated[int, Field(ge=0, le=1200)] | None = None
    notes: Annotated[str, Field(max_length=10_000)] | None = None
    manufacturer: Annotated[str, Field(max_length=256)] | None = None
    model_number: Annotated[str, Field(max_length=128)] | None = None
    custom_fields: (
        dict[Annotated[str, Field(max_length=256)], Annotated[str, Field(max_length=10_000)]] | None
    ) = None
    # Money (contract 2.5): amounts are decimal strings (JSON numbers are accepted too).
    in_service_date: date | None = None
    useful_life_months: Annotated[int, Field(ge=1, le=MAX_LIFE_MONTHS)] | None = None
    salvage_value: Amount | None = None
    depreciation_method: DepreciationMethod | None = None
    depreciation_convention: Convention | None = None
    expected_units: Annotated[Decimal, Field(gt=0, lt=10**12, decimal_places=2)] | None = None
    usage: Annotated[list[UsageIn], Field(max_length=10_000)] | None = None
    disposal_date: date | None = None
    disposal_proceeds: Amount | None = None


class AssetIn(AssetFields):
    """A new asset. Its identities are its asset tag (key `tag/<asset_tag>`: a Code 128 or QR
    label of the tag scans as this asset) and its `epc` and `barcode`; each claims the earlier
    unknown-code events that carried it. A tag or code another asset holds is a 409."""

    asset_tag: AssetTag
    name: Name


class AssetPatch(AssetFields):
    """Fields of an asset to change; a given `epc`/`barcode` is added as an identifier. A new
    `asset_tag` renames the asset: the new tag becomes its identity (claiming earlier
    unknown-code events with that text) and the old tag stops identifying it."""

    asset_tag: AssetTag | None = None
    name: Name | None = None


class IdentifierIn(_In):
    """Another scanned form to attach to an asset."""

    code: Annotated[str, Field(min_length=1, max_length=1024)]
    symbology: Annotated[str, Field(min_length=1, max_length=64)] | None = None


class LocationOut(BaseModel):
    """A location as the API shows it."""

    code: str
    name: str
    parent: str | None
    gln: str | None


class PersonOut(BaseModel):
    """A person as the API shows it."""

    code: str
    name: str
    email: str | None
    active: bool


class ReadPointOut(BaseModel):
    """A read point as the API shows it."""

    code: str
    name: str | None
    location: str | None
    inside: str | None
    outside: str | None
