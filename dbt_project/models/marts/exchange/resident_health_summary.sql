-- 居民健康服务汇总: aggregated by town, sex and age band only. Groups of fewer than 5 residents are
-- suppressed so that no person can be singled out.
with residents as (
    select
        resident_id_number,
        town,
        sex,
        case
            when birth_year is null then '未知'
            when extract(year from current_date) - cast(birth_year as integer) < 18 then '0-17'
            when extract(year from current_date) - cast(birth_year as integer) < 40 then '18-39'
            when extract(year from current_date) - cast(birth_year as integer) < 65 then '40-64'
            when extract(year from current_date) - cast(birth_year as integer) < 80 then '65-79'
            else '80+'
        end as age_band,
        chronic_conditions is not null as has_chronic_condition
    from {{ ref('stg_health__resident_health_records') }}
),

visits as (
    select
        resident_id_number,
        count(*) as visits
    from {{ ref('stg_health__clinic_visits') }}
    group by resident_id_number
),

checks as (
    select
        resident_id_number,
        count(*) as checks,
        avg(systolic_mmhg) as avg_systolic
    from {{ ref('stg_health__kiosk_checks') }}
    group by resident_id_number
),

alerts as (
    select
        resident_id_number,
        count(*) as alerts
    from {{ ref('stg_health__elderly_care_alerts') }}
    group by resident_id_number
),

grouped as (
    select
        residents.town,
        residents.sex,
        residents.age_band,
        count(*) as residents,
        count(*) filter (where residents.has_chronic_condition) as with_chronic_condition,
        cast(coalesce(sum(visits.visits), 0) as bigint) as clinic_visits,
        cast(coalesce(sum(checks.checks), 0) as bigint) as kiosk_checks,
        round(avg(checks.avg_systolic), 1) as avg_systolic_mmhg,
        cast(coalesce(sum(alerts.alerts), 0) as bigint) as elderly_care_alerts
    from residents
    left join visits on residents.resident_id_number = visits.resident_id_number
    left join checks on residents.resident_id_number = checks.resident_id_number
    left join alerts on residents.resident_id_number = alerts.resident_id_number
    group by residents.town, residents.sex, residents.age_band
)

select * from grouped
where residents >= 5
