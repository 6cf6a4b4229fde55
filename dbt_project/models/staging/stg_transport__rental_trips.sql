-- Generated from governance/contracts/transport/rental_trips.yaml
-- by `lakehouse contracts sync-dbt`. Do not edit by hand.
select
    trip_id,
    vehicle_type,
    user_mobile,
    start_station,
    end_station,
    started_at,
    ended_at,
    distance_km
from {{ source('staging', 'rental_trips') }}
