-- Generated from governance/contracts/transport/parking_lots.yaml
-- by `lakehouse contracts sync-dbt`. Do not edit by hand.
select
    lot_id,
    lot_name,
    town,
    address,
    capacity,
    ev_chargers
from {{ source('staging', 'parking_lots') }}
