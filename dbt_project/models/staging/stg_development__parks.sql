-- Generated from governance/contracts/development/parks.yaml
-- by `lakehouse contracts sync-dbt`. Do not edit by hand.
select
    park_id,
    park_name,
    developer,
    town,
    area_hectares
from {{ source('staging', 'parks') }}
