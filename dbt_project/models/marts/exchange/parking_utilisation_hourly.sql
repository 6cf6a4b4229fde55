-- 停车场小时利用率: occupied vehicle-hours per lot and clock hour, against the lot's capacity.
with sessions as (
    select
        session_id,
        lot_id,
        entered_at,
        coalesce(exited_at, date_trunc('hour', entered_at) + interval '1' hour) as left_at
    from {{ ref('stg_transport__parking_sessions') }}
),

session_hours as (
    select
        sessions.session_id,
        sessions.lot_id,
        sessions.entered_at,
        sessions.left_at,
        hours.hour_start
    from sessions
    cross join
        unnest(
            {{ hour_series("date_trunc('hour', sessions.entered_at)", "date_trunc('hour', sessions.left_at)") }}
        ) as hours (hour_start)
),

occupancy as (
    select
        lot_id,
        hour_start,
        count(*) filter (where date_trunc('hour', entered_at) = hour_start) as sessions_started,
        sum(
            greatest(
                0,
                {{ seconds_between(
                    'greatest(entered_at, hour_start)', "least(left_at, hour_start + interval '1' hour)"
                ) }}
            )
        ) / 3600.0 as occupied_vehicle_hours
    from session_hours
    group by lot_id, hour_start
)

select
    occupancy.lot_id,
    lots.lot_name,
    lots.town,
    occupancy.hour_start,
    lots.capacity,
    occupancy.sessions_started,
    round(occupancy.occupied_vehicle_hours, 3) as occupied_vehicle_hours,
    round(occupancy.occupied_vehicle_hours / lots.capacity, 4) as utilisation
from occupancy
inner join {{ ref('stg_transport__parking_lots') }} as lots on occupancy.lot_id = lots.lot_id
