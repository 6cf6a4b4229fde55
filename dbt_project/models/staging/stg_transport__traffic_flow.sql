-- Generated from governance/contracts/transport/traffic_flow.yaml
-- by `lakehouse contracts sync-dbt`. Do not edit by hand.
select
    measurement_id,
    detector_id,
    road,
    direction,
    measured_at,
    vehicle_count,
    avg_speed_kmh
from {{ source('staging', 'traffic_flow') }}
