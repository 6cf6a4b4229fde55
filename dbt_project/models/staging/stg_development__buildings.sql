-- Generated from governance/contracts/development/buildings.yaml
-- by `lakehouse contracts sync-dbt`. Do not edit by hand.
select
    building_id,
    bim_id,
    park_id,
    building_name,
    address,
    floors,
    floor_area_m2,
    completed_year
from {{ source('staging', 'buildings') }}
