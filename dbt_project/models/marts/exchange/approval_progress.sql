-- 审批事项办理进度: per approval item and submission day, volumes, online pre-review and durations.
with applications as (
    select * from {{ ref('stg_government__approval_applications') }}
),

steps as (
    select
        application_id,
        count(*) as steps,
        count(*) filter (where outcome = 'returned') as steps_returned
    from {{ ref('stg_government__approval_steps') }}
    group by application_id
)

select
    applications.item_code,
    applications.item_name,
    cast(applications.submitted_at as date) as submitted_on,
    count(*) as applications,
    count(*) filter (where applications.online_prereview) as prereviewed_online,
    round(cast(count(*) filter (where applications.online_prereview) as double) / count(*), 4)
        as online_prereview_rate,
    count(*) filter (where applications.status = 'approved') as approved,
    count(*) filter (where applications.status = 'rejected') as rejected,
    count(*) filter (where applications.status in ('submitted', 'prereviewed', 'accepted')) as in_progress,
    count(applications.decided_at) as decided,
    round(
        coalesce(sum({{ seconds_between('applications.submitted_at', 'applications.decided_at') }}), 0) / 3600.0, 2
    ) as hours_to_decision,
    round(
        avg({{ seconds_between('applications.submitted_at', 'applications.decided_at') }}) / 3600.0, 2
    ) as avg_hours_to_decision,
    round(avg(coalesce(steps.steps, 0)), 2) as avg_steps,
    cast(sum(coalesce(steps.steps_returned, 0)) as bigint) as steps_returned
from applications
left join steps on applications.application_id = steps.application_id
group by applications.item_code, applications.item_name, cast(applications.submitted_at as date)
