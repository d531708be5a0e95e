"""The model catalog and precision table (catalog.json, shared with the Go side)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

from .errors import invalid

CATALOG_PATH = Path(__file__).parent / "catalog.json"

_GROUP_SUFFIX = re.compile(r"^(?P<base>.+)-g(?P<group>[0-9]+)$")


@dataclass(frozen=True)
class Quantization:
    mode: str
    bits: int
    group_size: int

    def as_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "bits": self.bits, "group_size": self.group_size}


@dataclass(frozen=True)
class Precision:
    name: str  # as requested, suffix included ("int4-g128")
    dtype: str  # mlx.core dtype name of every float parameter
    quantization: Optional[Quantization]


@dataclass(frozen=True)
class CatalogModel:
    name: str
    description: str
    max_positions: Optional[int]
    hf_ids: tuple[str, ...]
    config: dict[str, Any]
    test: bool


@dataclass(frozen=True)
class Catalog:
    version: int
    precisions: dict[str, dict[str, Any]]
    models: dict[str, CatalogModel]

    def model(self, name: str) -> Optional[CatalogModel]:
        return self.models.get(name)

    def model_names(self) -> list[str]:
        return list(self.models)

    def precision(self, name: str) -> Precision:
        """Parses a precision name, with an optional `-g<N>` group size for quantized ones."""
        if not isinstance(name, str) or not name:
            raise invalid(f"precision must be a non-empty string; valid: {self._valid_precisions()}")
        base, group = name, None
        if name not in self.precisions:
            match = _GROUP_SUFFIX.match(name)
            if match is None or match.group("base") not in self.precisions:
                raise invalid(f"unknown precision {name!r}; valid: {self._valid_precisions()}")
            base, group = match.group("base"), int(match.group("group"))
        entry = self.precisions[base]
        if "mode" not in entry:
            if group is not None:
                raise invalid(
                    f"precision {name!r}: {base} is not quantized and takes no group size; "
                    f"valid: {self._valid_precisions()}"
                )
            return Precision(name=name, dtype=entry["dtype"], quantization=None)
        if group is not None and group < 1:
            raise invalid(f"precision {name!r}: group size must be at least 1")
        quantization = Quantization(
            mode=entry["mode"],
            bits=int(entry["bits"]),
            group_size=group if group is not None else int(entry["group_size"]),
        )
        return Precision(name=name, dtype=entry["dtype"], quantization=quantization)

    def _valid_precisions(self) -> str:
        quantized = [k for k, v in self.precisions.items() if "mode" in v]
        names = ", ".join(self.precisions)
        return f"{names} (quantized ones also as <name>-g<group size>, e.g. {quantized[0]}-g128)"


def _parse(raw: dict[str, Any]) -> Catalog:
    models: dict[str, CatalogModel] = {}
    for entry in raw["models"]:
        models[entry["name"]] = CatalogModel(
            name=entry["name"],
            description=entry.get("description", ""),
            max_positions=entry.get("max_positions"),
            hf_ids=tuple(entry.get("hf_ids", ())),
            config=dict(entry["config"]),
            test=bool(entry.get("test", False)),
        )
    return Catalog(version=int(raw["version"]), precisions=dict(raw["precisions"]), models=models)


@lru_cache(maxsize=1)
def load_catalog(path: Path = CATALOG_PATH) -> Catalog:
    with open(path, "r", encoding="utf-8") as f:
        return _parse(json.load(f))
