{% test small_cells(model, count_column, group_by, minimum=5) %}
-- Small-cell suppression of an aggregated mart: every published group counts at least `minimum` persons
-- (or tickets), and no group is published twice (two rows of one group would add up to its true size).
-- Returns the offending groups by their keys and counts only.
with published as (
    select
        {{ group_by | join(', ') }},
        count(*) as copies,
        min({{ count_column }}) as smallest
    from {{ model }}
    group by {{ group_by | join(', ') }}
)

select * from published
where smallest < {{ minimum }} or copies > 1
{% endtest %}
