{#- Schemas are the lakehouse zones themselves (exchange, kpi, stg), never prefixed by the target. On Trino every
    model is built in the target's own schema (`mart_build`, which no department reads) and a mart reaches its
    zone only through the publish step, after its gates (docs/adr/0016-marts-built-by-trino-on-the-stack.md). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ adapter.dispatch('lakehouse_schema_name')(custom_schema_name, node) }}
{%- endmacro %}

{% macro default__lakehouse_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name is not none else target.schema }}
{%- endmacro %}

{% macro trino__lakehouse_schema_name(custom_schema_name, node) -%}
    {{ target.schema }}
{%- endmacro %}
