"""List pages cost the same number of queries with 3 rows or 30."""

from __future__ import annotations

from datetime import date

import pytest

from app.registries.models import StaffRole


def fill(build, rows: int) -> None:
    community = build.community()
    for n in range(rows):
        build.family(community=build.community() if n % 2 else community)
        build.association(community=community)
        build.staff(roles={StaffRole.PORTER, StaffRole.COOK} if n % 2 else {StaffRole.GUIDE},
                    community=community if n % 3 else None, insurance_expiry=date(2030, 1, 1))


def queries_for(client, count_queries, url: str) -> int:
    with client.application.app_context(), count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


@pytest.mark.parametrize("url", ["/communities", "/families", "/weavers", "/staff",
                                 "/families?rotation=active&q=a", "/staff?role=porter&insurance=expiring"])
def test_list_queries_do_not_grow_with_rows(app, client, manager, build, count_queries, url):
    fill(build, 3)
    few = queries_for(client, count_queries, url)
    fill(build, 27)
    many = queries_for(client, count_queries, url)
    assert few == many, (url, few, many)
    print(url, many)


def test_community_detail_queries_do_not_grow(client, manager, build, count_queries):
    community = build.community()
    build.family(community=community)
    url = f"/communities/{community.id}"
    few = queries_for(client, count_queries, url)
    for _ in range(25):
        build.family(community=community)
        build.association(community=community)
        build.staff(community=community)
    assert queries_for(client, count_queries, url) == few
