-- 楼宇能耗: one row per building. Energy is metered per building, not per enterprise, so it is published at
-- the building grain: the enterprises in a building are counted, never given the building's consumption
-- (no floor area per enterprise exists to allocate it by).
with buildings as (
    select * from {{ ref('stg_development__buildings') }}
),

parks as (
    select * from {{ ref('stg_development__parks') }}
),

energy as (
    select
        building_id,
        sum(kwh) as energy_kwh,
        count(*) as energy_readings
    from {{ ref('stg_development__energy_readings') }}
    group by building_id
),

tenants as (
    select
        building_id,
        count(*) as enterprises
    from {{ ref('stg_development__enterprises') }}
    group by building_id
)

select
    buildings.building_id,
    buildings.building_name,
    buildings.bim_id,
    buildings.park_id,
    parks.park_name,
    parks.town,
    buildings.floor_area_m2,
    coalesce(energy.energy_kwh, 0) as energy_kwh,
    coalesce(energy.energy_readings, 0) as energy_readings,
    round(energy.energy_kwh / nullif(buildings.floor_area_m2, 0), 4) as energy_kwh_per_m2,
    coalesce(tenants.enterprises, 0) as enterprises
from buildings
left join parks on buildings.park_id = parks.park_id
left join energy on buildings.building_id = energy.building_id
left join tenants on buildings.building_id = tenants.building_id
