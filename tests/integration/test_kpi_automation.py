"""The sharing KPI is measured again after a publication made outside the run that measures it (#17), by
Dagster's own automation evaluation over the real definitions and a real publication run."""

from __future__ import annotations

from collections.abc import Iterator

import dagster as dg
import pytest

from orchestration.defs.exchange import resource_catalogue
from orchestration.defs.sharing import SHARING_GAPS_KEY, SHARING_RATE_KEY, kpi_after_publication
from orchestration.resources import lakehouse_resource

pytestmark = pytest.mark.integration

KPI = dg.AssetSelection.assets(SHARING_RATE_KEY, SHARING_GAPS_KEY)


@pytest.fixture
def instance(tmp_path) -> Iterator[dg.DagsterInstance]:
    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as test_instance:
        yield test_instance


def test_a_publication_triggers_the_kpi_and_only_once(lakehouse_home, instance) -> None:
    from orchestration.definitions import defs

    definitions = defs()
    # The KPI's sensor is part of the deployment, running unless a steward stops it.
    sensor = definitions.resolve_sensor_def(kpi_after_publication.name)
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING

    def tick(cursor=None):
        return dg.evaluate_automation_conditions(
            defs=definitions, instance=instance, asset_selection=KPI, cursor=cursor
        )

    # Measured once before (the daily run, say); nothing has been published since.
    for key in (SHARING_RATE_KEY, SHARING_GAPS_KEY):
        instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=key))
    quiet = tick()
    assert quiet.total_requested == 0

    # A real publication run (the resource catalogue, one of the KPI's inputs) on this home.
    published = dg.materialize(
        [resource_catalogue], instance=instance, resources={"lakehouse": lakehouse_resource()}
    )
    assert published.success
    after = tick(quiet.cursor)
    # Requested although almost every other input was never published (a gap the KPI must show; Dagster's
    # plain eager() would wait for all of them forever).
    assert after.get_num_requested(SHARING_RATE_KEY) == 1
    assert after.get_num_requested(SHARING_GAPS_KEY) == 1

    # Handled: the same publication does not trigger it a second time.
    assert tick(after.cursor).total_requested == 0
