-- 停车场小时利用率: occupied vehicle-hours per lot and clock hour, against the lot's capacity.
-- Incremental (docs/adr/0020-incremental-marts.md): sessions only arrive (the contract appends), so a run
-- recounts only the hours that sessions not yet counted occupy, merged on (lot_id, hour_start); a session
-- that arrives late recounts its old hours. A full build (a fresh DuckDB file, --full-refresh) gives the same
-- rows.
with all_sessions as (
    select
        session_id,
        lot_id,
        entered_at,
        date_trunc('hour', entered_at) as entered_hour,
        coalesce(exited_at, date_trunc('hour', entered_at) + interval '1' hour) as left_at
    from {{ ref('stg_transport__parking_sessions') }}
),

lots as (
    select
        lot_id,
        lot_name,
        town,
        capacity
    from {{ ref('stg_transport__parking_lots') }}
),

{% if is_incremental() %}
    -- Which sessions are new is not in the data (no arrival time), but every session counts once in the
    -- `sessions_started` of its lot and entry hour: an entry cell whose count differs from the built mart's
    -- has sessions not counted yet.
    started as (
        select
            lot_id,
            entered_hour,
            count(*) as sessions_started
        from all_sessions
        group by lot_id, entered_hour
    ),

    built as (
        select
            lot_id,
            hour_start,
            sessions_started
        from {{ this }}
        where sessions_started > 0
    ),

    changed_cells as (
        select
            coalesce(started.lot_id, built.lot_id) as lot_id,
            coalesce(started.entered_hour, built.hour_start) as entered_hour
        from started
        full outer join built on started.lot_id = built.lot_id and started.entered_hour = built.hour_start
        where coalesce(started.sessions_started, 0) <> coalesce(built.sessions_started, 0)
    ),

    -- A lot whose name, town or capacity changed (the lot register is merged, not appended): all its hours.
    changed_lots as (
        select distinct lots.lot_id
        from {{ this }} as built_lots
        inner join lots on built_lots.lot_id = lots.lot_id
        where
            built_lots.lot_name is distinct from lots.lot_name
            or built_lots.town is distinct from lots.town
            or built_lots.capacity is distinct from lots.capacity
    ),

    touched as (
        select
            all_sessions.lot_id,
            all_sessions.entered_hour as first_hour,
            date_trunc('hour', all_sessions.left_at) as last_hour
        from all_sessions
        inner join changed_cells
            on all_sessions.lot_id = changed_cells.lot_id and all_sessions.entered_hour = changed_cells.entered_hour
        union all
        select
            all_sessions.lot_id,
            all_sessions.entered_hour as first_hour,
            date_trunc('hour', all_sessions.left_at) as last_hour
        from all_sessions
        inner join changed_lots on all_sessions.lot_id = changed_lots.lot_id
    ),

    -- Per lot, the span from the first to the last hour a touched session occupies: every hour in it is
    -- recounted from all sessions present in it, old and new, so each merged row is what a full build gives.
    windows as (
        select
            lot_id,
            min(first_hour) as first_hour,
            max(last_hour) as last_hour
        from touched
        group by lot_id
    ),

    sessions as (
        select
            all_sessions.session_id,
            all_sessions.lot_id,
            all_sessions.entered_at,
            all_sessions.left_at,
            windows.first_hour,
            windows.last_hour
        from all_sessions
        inner join windows on all_sessions.lot_id = windows.lot_id
        where
            all_sessions.entered_hour <= windows.last_hour
            and date_trunc('hour', all_sessions.left_at) >= windows.first_hour
    ),
{% else %}
    sessions as (
        select
            session_id,
            lot_id,
            entered_at,
            left_at
        from all_sessions
    ),
{% endif %}

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
    {% if is_incremental() %}
        -- a session reaching outside its lot's window is counted there only by the hours inside it
        where hours.hour_start between sessions.first_hour and sessions.last_hour
    {% endif %}
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
inner join lots on occupancy.lot_id = lots.lot_id
