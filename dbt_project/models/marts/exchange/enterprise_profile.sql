-- 企业画像: one row per park enterprise, joining the development entities' registry with buildings and
-- the government's approvals and inspections (cross-department exchange). Building energy is not here: it
-- is metered per building, and repeating it on every enterprise of a building multiplied it when summed;
-- it is published at its own grain in exchange.building_energy.
with enterprises as (
    select * from {{ ref('stg_development__enterprises') }}
),

parks as (
    select * from {{ ref('stg_development__parks') }}
),

buildings as (
    select * from {{ ref('stg_development__buildings') }}
),

inspections as (
    select
        enterprise_uscc,
        count(*) as inspections,
        count(*) filter (where result <> '合格') as inspections_not_passed,
        max(inspected_at) as last_inspected_at
    from {{ ref('stg_government__inspection_records') }}
    group by enterprise_uscc
),

applications as (
    select
        enterprise_uscc,
        count(*) as applications,
        count(*) filter (where status = 'approved') as applications_approved
    from {{ ref('stg_government__approval_applications') }}
    where enterprise_uscc is not null
    group by enterprise_uscc
)

select
    enterprises.uscc,
    enterprises.enterprise_name,
    enterprises.industry,
    enterprises.registered_capital_wan,
    enterprises.established_on,
    enterprises.employees,
    enterprises.legal_representative,
    enterprises.park_id,
    parks.park_name,
    parks.developer,
    parks.town,
    enterprises.building_id,
    buildings.building_name,
    buildings.bim_id,
    coalesce(inspections.inspections, 0) as inspections,
    coalesce(inspections.inspections_not_passed, 0) as inspections_not_passed,
    inspections.last_inspected_at,
    coalesce(applications.applications, 0) as applications,
    coalesce(applications.applications_approved, 0) as applications_approved
from enterprises
left join parks on enterprises.park_id = parks.park_id
left join buildings on enterprises.building_id = buildings.building_id
left join inspections on enterprises.uscc = inspections.enterprise_uscc
left join applications on enterprises.uscc = applications.enterprise_uscc
