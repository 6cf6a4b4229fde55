{#- An incremental mart merges new rows into the rows an earlier run built; those were computed by the SQL of
    that run. Its table therefore records, in its table comment, a digest of the SQL it was built by (its own
    and that of the models it reads), and a table built by other SQL is rebuilt in full, as with
    `--full-refresh`: an incremental run must give what a full build gives (docs/adr/0020-incremental-marts.md).
    A table without the record (built before, or by hand) is rebuilt in full too. -#}

{#- dbt's own `should_full_refresh` (the flag or the model's `full_refresh` config), and for an incremental
    model whose existing table records other SQL than this run's, true. -#}
{% macro should_full_refresh() %}
    {% set configured = config.get('full_refresh') %}
    {% if configured is none %}
        {% set configured = flags.FULL_REFRESH %}
    {% endif %}
    {% if not configured and execute and model.config.materialized == 'incremental' %}
        {% set existing = adapter.get_relation(this.database, this.schema, this.identifier) %}
        {% if existing is not none and built_logic(this) != incremental_logic() %}
            {% do log(this ~ ': built by other SQL than this run, rebuilt in full') %}
            {% set configured = true %}
        {% endif %}
    {% endif %}
    {% do return(configured) %}
{% endmacro %}

{#- The digest of the SQL the model is built by: its own and that of every model it reads. -#}
{% macro incremental_logic() %}
    {% set parts = [model.raw_code] %}
    {% for uid in model.depends_on.nodes | sort %}
        {% set node = graph.nodes.get(uid) %}
        {% do parts.append(uid ~ '=' ~ (node.raw_code if node else '')) %}
    {% endfor %}
    {% do return('lakehouse-incremental-logic:' ~ local_md5(parts | join('\n'))) %}
{% endmacro %}

{#- The post-hook of every mart: an incremental one records the digest; the others need nothing. -#}
{% macro record_incremental_logic() %}
    {% if model.config.materialized == 'incremental' %}
        comment on table {{ this }} is '{{ incremental_logic() }}'
    {% endif %}
{% endmacro %}

{#- What the existing table records (none if nothing). -#}
{% macro built_logic(relation) %}
    {% set found = run_query(adapter.dispatch('table_comment_sql')(relation)) %}
    {% do return(found.columns[0].values()[0] if found and found.rows | length > 0 else none) %}
{% endmacro %}

{% macro default__table_comment_sql(relation) %}
    select comment from duckdb_tables()
    where
        database_name = '{{ relation.database }}'
        and schema_name = '{{ relation.schema }}'
        and table_name = '{{ relation.identifier }}'
{% endmacro %}

{% macro trino__table_comment_sql(relation) %}
    select comment from system.metadata.table_comments
    where
        catalog_name = '{{ relation.database }}'
        and schema_name = '{{ relation.schema }}'
        and table_name = '{{ relation.identifier }}'
{% endmacro %}
