-- Generated from governance/contracts/development/energy_readings.yaml
-- by `lakehouse contracts sync-dbt`. Do not edit by hand.
select
    reading_id,
    meter_id,
    building_id,
    reading_at,
    kwh
from {{ source('staging', 'energy_readings') }}
