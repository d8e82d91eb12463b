"""People API v1 through the real googleapiclient, checked against the discovery schemas."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from googleapiclient.errors import HttpError
from schema import assert_matches_schema, assert_response_matches

from relationkit.testing import GoogleEmulator

ADA = {
    "names": [{"givenName": "Ada", "familyName": "Lovelace"}],
    "emailAddresses": [{"value": "ada@example.com", "type": "work"}],
    "phoneNumbers": [{"value": "+44 20 7946 0000", "type": "mobile"}],
    "birthdays": [{"date": {"month": 12, "day": 10}}],
    "clientData": [{"key": "relationkit_id", "value": "cust-1"}],
    "userDefined": [{"key": "Tier", "value": "gold"}],
    "urls": [{"value": "https://www.linkedin.com/in/ada", "type": "profile"}],
}


@pytest.fixture
def people(google_emulator: GoogleEmulator) -> Any:
    return google_emulator.service("people", "v1")


def error_of(exc: pytest.ExceptionInfo[HttpError]) -> dict[str, Any]:
    return json.loads(exc.value.content)["error"]


def list_all(people: Any, **params: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every page of connections.list; (people, last page)."""
    found, token = [], None
    while True:
        page = (
            people.people()
            .connections()
            .list(resourceName="people/me", pageToken=token, **params)
            .execute()
        )
        assert_response_matches("people", "v1", "people.people.connections.list", page)
        found.extend(page.get("connections", []))
        token = page.get("nextPageToken")
        if token is None:
            return found, page


def create(people: Any, body: dict[str, Any] | None = None) -> dict[str, Any]:
    person = people.people().createContact(body=body or ADA).execute()
    assert_matches_schema("people", "v1", "Person", person)
    return person


def test_create_returns_the_person_with_computed_fields_and_metadata(people: Any) -> None:
    person = create(people)
    assert person["resourceName"].startswith("people/c")
    assert person["etag"]
    source = person["metadata"]["sources"][0]
    assert source["type"] == "CONTACT" and source["etag"] and source["updateTime"].endswith("Z")
    assert person["names"][0]["displayName"] == "Ada Lovelace"
    assert person["emailAddresses"][0]["formattedType"] == "Work"
    assert person["clientData"] == [
        {
            "key": "relationkit_id",
            "value": "cust-1",
            "metadata": person["clientData"][0]["metadata"],
        }
    ]
    assert person["userDefined"][0]["value"] == "gold"
    assert person["birthdays"][0]["date"] == {"month": 12, "day": 10}
    groups = [
        m["contactGroupMembership"]["contactGroupResourceName"] for m in person["memberships"]
    ]
    assert groups == ["contactGroups/myContacts"]


def test_create_rejects_unknown_fields(people: Any) -> None:
    with pytest.raises(HttpError) as exc:
        people.people().createContact(body={"nmaes": []}).execute()
    assert exc.value.status_code == 400
    assert error_of(exc)["status"] == "INVALID_ARGUMENT"


def test_person_fields_mask_limits_the_returned_fields(people: Any) -> None:
    created = create(people)
    person = (
        people.people().get(resourceName=created["resourceName"], personFields="names").execute()
    )
    assert set(person) == {"resourceName", "etag", "names"}
    assert_matches_schema("people", "v1", "Person", person)


@pytest.mark.parametrize("fields", [None, "nmaes"])
def test_get_requires_valid_person_fields(people: Any, fields: str | None) -> None:
    created = create(people)
    with pytest.raises(HttpError) as exc:
        people.people().get(resourceName=created["resourceName"], personFields=fields).execute()
    assert exc.value.status_code == 400
    assert error_of(exc)["status"] == "INVALID_ARGUMENT"


def test_get_unknown_person_is_404(people: Any) -> None:
    with pytest.raises(HttpError) as exc:
        people.people().get(resourceName="people/c1", personFields="names").execute()
    assert exc.value.status_code == 404
    assert error_of(exc)["status"] == "NOT_FOUND"


def test_get_people_me_is_the_owner_profile(people: Any) -> None:
    me = people.people().get(resourceName="people/me", personFields="names,metadata").execute()
    assert_matches_schema("people", "v1", "Person", me)
    assert me["metadata"]["sources"][0]["type"] == "PROFILE"


def test_connections_list_requires_person_fields(people: Any) -> None:
    with pytest.raises(HttpError) as exc:
        people.people().connections().list(resourceName="people/me").execute()
    assert exc.value.status_code == 400
    assert "personFields" in error_of(exc)["message"]


@pytest.mark.parametrize("size", [1001, 2000, -1])
def test_connections_page_size_is_limited_to_1000(people: Any, size: int) -> None:
    with pytest.raises(HttpError) as exc:
        people.people().connections().list(
            resourceName="people/me", personFields="names", pageSize=size
        ).execute()
    assert exc.value.status_code == 400


def test_connections_pages_and_sync_token_on_last_page_only(
    people: Any, google_emulator: GoogleEmulator
) -> None:
    for i in range(5):
        google_emulator.people.add_person({"names": [{"givenName": f"P{i}"}]})
    first = (
        people.people()
        .connections()
        .list(resourceName="people/me", personFields="names", pageSize=2, requestSyncToken=True)
        .execute()
    )
    assert len(first["connections"]) == 2 and "nextSyncToken" not in first
    assert first["totalItems"] == first["totalPeople"] == 5
    found, last = list_all(people, personFields="names", pageSize=2, requestSyncToken=True)
    assert [p["names"][0]["givenName"] for p in found] == [f"P{i}" for i in range(5)]
    assert "nextSyncToken" in last
    _, no_token = list_all(people, personFields="names")
    assert "nextSyncToken" not in no_token


def test_page_token_must_come_with_the_same_parameters(people: Any, google_emulator: Any) -> None:
    for i in range(3):
        google_emulator.people.add_person({"names": [{"givenName": f"P{i}"}]})
    page = (
        people.people()
        .connections()
        .list(resourceName="people/me", personFields="names", pageSize=1)
        .execute()
    )
    with pytest.raises(HttpError) as exc:
        people.people().connections().list(
            resourceName="people/me",
            personFields="names,emailAddresses",
            pageSize=1,
            pageToken=page["nextPageToken"],
        ).execute()
    assert exc.value.status_code == 400


def test_edit_between_pages_skips_nobody(people: Any, google_emulator: GoogleEmulator) -> None:
    names = [google_emulator.people.add_person({"names": [{"givenName": f"P{i}"}]})
             for i in range(4)]  # fmt: skip
    page = (
        people.people()
        .connections()
        .list(resourceName="people/me", personFields="names", pageSize=2)
        .execute()
    )
    google_emulator.people.edit_person(names[0], {"nicknames": [{"value": "first"}]})
    rest, _ = list_all_from(people, page["nextPageToken"])
    seen = {p["resourceName"] for p in page["connections"] + rest}
    assert seen == set(names)


def list_all_from(people: Any, token: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    found = []
    while True:
        page = (
            people.people()
            .connections()
            .list(resourceName="people/me", personFields="names", pageSize=2, pageToken=token)
            .execute()
        )
        found.extend(page.get("connections", []))
        if "nextPageToken" not in page:
            return found, page
        token = page["nextPageToken"]


def test_incremental_sync_returns_changed_and_deleted(
    people: Any, google_emulator: GoogleEmulator
) -> None:
    owner = google_emulator.people
    kept = owner.add_person({"names": [{"givenName": "Kept"}]})
    edited = owner.add_person({"names": [{"givenName": "Edited"}]})
    gone = owner.add_person({"names": [{"givenName": "Gone"}]})
    _, last = list_all(people, personFields="names", requestSyncToken=True)
    owner.edit_person(edited, {"names": [{"givenName": "Edited", "familyName": "Again"}]})
    owner.delete_person(gone)
    added = owner.add_person({"names": [{"givenName": "New"}]})
    changes, last = list_all(people, personFields="names", syncToken=last["nextSyncToken"])
    by_name = {p["resourceName"]: p for p in changes}
    assert set(by_name) == {edited, gone, added}
    assert kept not in by_name
    assert by_name[gone]["metadata"]["deleted"] is True
    assert by_name[edited]["names"][0]["familyName"] == "Again"
    nothing, _ = list_all(people, personFields="names", syncToken=last["nextSyncToken"])
    assert nothing == []


def test_sync_token_expires_after_7_days(people: Any, google_emulator: GoogleEmulator) -> None:
    google_emulator.people.add_person({"names": [{"givenName": "A"}]})
    _, last = list_all(people, personFields="names", requestSyncToken=True)
    google_emulator.advance(timedelta(days=6, hours=23))
    _, last = list_all(people, personFields="names", syncToken=last["nextSyncToken"])
    google_emulator.advance(timedelta(days=7))
    with pytest.raises(HttpError) as exc:
        list_all(people, personFields="names", syncToken=last["nextSyncToken"])
    assert exc.value.status_code == 400
    error = error_of(exc)
    assert error["status"] == "FAILED_PRECONDITION"
    assert error["details"][0]["reason"] == "EXPIRED_SYNC_TOKEN"
    assert "Sync token is expired" in error["message"]


def test_unknown_sync_token_is_400(people: Any) -> None:
    with pytest.raises(HttpError) as exc:
        list_all(people, personFields="names", syncToken="nonsense")
    assert exc.value.status_code == 400


def test_sort_order_is_accepted_and_applied(people: Any, google_emulator: GoogleEmulator) -> None:
    for name in ("Cleo", "Abe", "Bea"):
        google_emulator.people.add_person({"names": [{"givenName": name}]})
    found, _ = list_all(people, personFields="names", sortOrder="FIRST_NAME_ASCENDING")
    assert [p["names"][0]["givenName"] for p in found] == ["Abe", "Bea", "Cleo"]
    found, _ = list_all(people, personFields="names", sortOrder="LAST_MODIFIED_DESCENDING")
    assert [p["names"][0]["givenName"] for p in found] == ["Bea", "Abe", "Cleo"]


def test_propagation_delay_hides_writes_from_list_until_the_clock_passes(
    people: Any, google_emulator: GoogleEmulator
) -> None:
    google_emulator.people.propagation_delay = timedelta(seconds=30)
    _, last = list_all(people, personFields="names", requestSyncToken=True)
    created = create(people)
    assert (
        people.people()
        .get(resourceName=created["resourceName"], personFields="names")
        .execute()["names"]
    )
    changes, pending = list_all(people, personFields="names", syncToken=last["nextSyncToken"])
    assert changes == []
    full, _ = list_all(people, personFields="names")
    assert full == []
    google_emulator.advance(timedelta(seconds=31))
    changes, _ = list_all(people, personFields="names", syncToken=pending["nextSyncToken"])
    assert [p["resourceName"] for p in changes] == [created["resourceName"]]


def test_propagating_edit_shows_the_previous_version(
    people: Any, google_emulator: GoogleEmulator
) -> None:
    created = create(people)
    google_emulator.people.propagation_delay = timedelta(seconds=30)
    people.people().updateContact(
        resourceName=created["resourceName"],
        updatePersonFields="names",
        body={"etag": created["etag"], "names": [{"givenName": "Augusta"}]},
    ).execute()
    found, _ = list_all(people, personFields="names")
    assert found[0]["names"][0]["givenName"] == "Ada"
    google_emulator.advance(timedelta(minutes=1))
    found, _ = list_all(people, personFields="names")
    assert found[0]["names"][0]["givenName"] == "Augusta"


def test_update_replaces_masked_fields_and_changes_the_etag(people: Any) -> None:
    created = create(people)
    updated = (
        people.people()
        .updateContact(
            resourceName=created["resourceName"],
            updatePersonFields="names,phoneNumbers",
            body={"etag": created["etag"], "names": [{"givenName": "Augusta"}]},
        )
        .execute()
    )
    assert_matches_schema("people", "v1", "Person", updated)
    assert updated["etag"] != created["etag"]
    assert updated["metadata"]["sources"][0]["etag"] != created["metadata"]["sources"][0]["etag"]
    assert updated["names"][0]["givenName"] == "Augusta"
    assert "phoneNumbers" not in updated  # in the mask but absent: cleared
    assert updated["emailAddresses"][0]["value"] == "ada@example.com"  # not in the mask: kept


def test_update_with_stale_etag_is_failed_precondition(people: Any, google_emulator: Any) -> None:
    created = create(people)
    google_emulator.people.edit_person(created["resourceName"], {"nicknames": [{"value": "A"}]})
    with pytest.raises(HttpError) as exc:
        people.people().updateContact(
            resourceName=created["resourceName"],
            updatePersonFields="names",
            body={"etag": created["etag"], "names": [{"givenName": "X"}]},
        ).execute()
    assert exc.value.status_code == 400
    error = error_of(exc)
    assert error["status"] == "FAILED_PRECONDITION"
    assert "person.etag" in error["message"]


def test_update_accepts_the_source_etag(people: Any) -> None:
    created = create(people)
    people.people().updateContact(
        resourceName=created["resourceName"],
        updatePersonFields="names",
        body={"metadata": created["metadata"], "names": [{"givenName": "X"}]},
    ).execute()


def test_update_requires_update_person_fields_and_etag(people: Any) -> None:
    created = create(people)
    with pytest.raises(HttpError) as exc:
        people.people().updateContact(
            resourceName=created["resourceName"], body={"etag": created["etag"]}
        ).execute()
    assert exc.value.status_code == 400
    with pytest.raises(HttpError) as exc:
        people.people().updateContact(
            resourceName=created["resourceName"],
            updatePersonFields="names",
            body={"names": [{"givenName": "X"}]},
        ).execute()
    assert exc.value.status_code == 400


def test_delete_contact(people: Any) -> None:
    created = create(people)
    assert people.people().deleteContact(resourceName=created["resourceName"]).execute() == {}
    with pytest.raises(HttpError) as exc:
        people.people().get(resourceName=created["resourceName"], personFields="names").execute()
    assert exc.value.status_code == 404


def test_get_batch_get(people: Any) -> None:
    a, b = create(people), create(people, {"names": [{"givenName": "Bo"}]})
    result = (
        people.people()
        .getBatchGet(
            resourceNames=[a["resourceName"], b["resourceName"], "people/c404"],
            personFields="names",
        )
        .execute()
    )
    assert_response_matches("people", "v1", "people.people.getBatchGet", result)
    codes = [r["httpStatusCode"] for r in result["responses"]]
    assert codes == [200, 200, 404]
    assert result["responses"][1]["person"]["names"][0]["givenName"] == "Bo"


def test_get_batch_get_allows_at_most_200(people: Any) -> None:
    with pytest.raises(HttpError) as exc:
        people.people().getBatchGet(
            resourceNames=[f"people/c{i}" for i in range(201)], personFields="names"
        ).execute()
    assert exc.value.status_code == 400


def test_batch_create_update_delete(people: Any, google_emulator: GoogleEmulator) -> None:
    created = people.people().batchCreateContacts(body={
        "contacts": [{"contactPerson": {"names": [{"givenName": f"C{i}"}]}} for i in range(3)],
        "readMask": "names,clientData",
    }).execute()  # fmt: skip
    assert_response_matches("people", "v1", "people.people.batchCreateContacts", created)
    persons = [c["person"] for c in created["createdPeople"]]
    assert [p["names"][0]["givenName"] for p in persons] == ["C0", "C1", "C2"]

    updated = people.people().batchUpdateContacts(body={
        "contacts": {p["resourceName"]: {"etag": p["etag"], "clientData": [
            {"key": "relationkit_id", "value": str(i)}]} for i, p in enumerate(persons)},
        "updateMask": "clientData",
        "readMask": "clientData",
    }).execute()  # fmt: skip
    assert_response_matches("people", "v1", "people.people.batchUpdateContacts", updated)
    result = updated["updateResult"][persons[1]["resourceName"]]
    assert result["httpStatusCode"] == 200
    assert result["person"]["clientData"][0]["value"] == "1"

    people.people().batchDeleteContacts(
        body={"resourceNames": [p["resourceName"] for p in persons[:2]]}
    ).execute()
    assert [p["names"][0]["givenName"] for p in google_emulator.people.contacts()] == ["C2"]


def test_batch_update_with_one_stale_etag_changes_nothing(
    people: Any, google_emulator: GoogleEmulator
) -> None:
    a, b = create(people), create(people, {"names": [{"givenName": "Bo"}]})
    with pytest.raises(HttpError) as exc:
        people.people().batchUpdateContacts(body={
            "contacts": {
                a["resourceName"]: {"etag": a["etag"], "names": [{"givenName": "New"}]},
                b["resourceName"]: {"etag": "%stale", "names": [{"givenName": "New"}]},
            },
            "updateMask": "names", "readMask": "names",
        }).execute()  # fmt: skip
    assert exc.value.status_code == 400
    assert google_emulator.people.person(a["resourceName"])["names"][0]["givenName"] == "Ada"


@pytest.mark.parametrize("method", ["batchCreateContacts", "batchUpdateContacts"])
def test_batch_mutations_take_at_most_200(people: Any, method: str) -> None:
    if method == "batchCreateContacts":
        body: dict[str, Any] = {"contacts": [{"contactPerson": {}}] * 201, "readMask": "names"}
    else:
        body = {"contacts": {f"people/c{i}": {} for i in range(201)}, "updateMask": "names"}
    with pytest.raises(HttpError) as exc:
        getattr(people.people(), method)(body=body).execute()
    assert exc.value.status_code == 400


def test_contact_groups_and_membership(people: Any, google_emulator: GoogleEmulator) -> None:
    groups = people.contactGroups()
    listed = groups.list().execute()
    assert_response_matches("people", "v1", "people.contactGroups.list", listed)
    assert "contactGroups/myContacts" in [g["resourceName"] for g in listed["contactGroups"]]

    vip = groups.create(body={"contactGroup": {"name": "VIP"}}).execute()
    assert_matches_schema("people", "v1", "ContactGroup", vip)
    assert vip["groupType"] == "USER_CONTACT_GROUP"
    with pytest.raises(HttpError) as exc:
        groups.create(body={"contactGroup": {"name": "VIP"}}).execute()
    assert exc.value.status_code == 409

    person = create(people)
    result = (
        groups.members()
        .modify(
            resourceName=vip["resourceName"],
            body={"resourceNamesToAdd": [person["resourceName"], "people/c404"]},
        )
        .execute()
    )
    assert_response_matches("people", "v1", "people.contactGroups.members.modify", result)
    assert result == {"notFoundResourceNames": ["people/c404"]}
    got = groups.get(resourceName=vip["resourceName"], maxMembers=10).execute()
    assert got["memberCount"] == 1 and got["memberResourceNames"] == [person["resourceName"]]
    member = (
        people.people()
        .get(resourceName=person["resourceName"], personFields="memberships")
        .execute()
    )
    ids = [m["contactGroupMembership"]["contactGroupId"] for m in member["memberships"]]
    assert ids == ["myContacts", vip["resourceName"].split("/")[1]]
    assert member["etag"] != person["etag"]  # a membership change is a write

    groups.members().modify(
        resourceName=vip["resourceName"], body={"resourceNamesToRemove": [person["resourceName"]]}
    ).execute()
    assert google_emulator.people.group_members(vip["resourceName"].split("/")[1]) == []


def test_create_with_membership_in_a_user_group(people: Any) -> None:
    vip = people.contactGroups().create(body={"contactGroup": {"name": "VIP"}}).execute()
    person = create(
        people,
        {
            "names": [{"givenName": "V"}],
            "memberships": [
                {"contactGroupMembership": {"contactGroupResourceName": vip["resourceName"]}}
            ],
        },
    )
    names = [m["contactGroupMembership"]["contactGroupResourceName"] for m in person["memberships"]]
    assert names == ["contactGroups/myContacts", vip["resourceName"]]


def test_fields_parameter_gives_a_partial_response(people: Any) -> None:
    created = create(people)
    partial = (
        people.people()
        .get(
            resourceName=created["resourceName"],
            personFields="names,emailAddresses",
            fields="names(givenName)",
        )
        .execute()
    )
    assert partial == {"names": [{"givenName": "Ada"}]}


def test_owner_helpers_edit_state_without_requests(google_emulator: GoogleEmulator) -> None:
    owner = google_emulator.people
    name = owner.add_person(ADA)
    owner.edit_person(name, {"names": [{"givenName": "Augusta"}]})
    assert owner.person(name)["names"][0]["givenName"] == "Augusta"
    owner.delete_person(name)
    assert owner.contacts() == []
    assert google_emulator.requests == []


def test_owner_add_group_creates_a_label_once(people: Any, google_emulator: GoogleEmulator) -> None:
    owner = google_emulator.people
    gid = owner.add_group("Customers")
    assert owner.add_group("Customers") == gid
    assert google_emulator.requests == []
    name = owner.add_person({"memberships": [{"contactGroupMembership": {"contactGroupId": gid}}]})
    assert owner.group_members(gid) == [name]
    listed = people.contactGroups().list(groupFields="name,groupType").execute()
    names = {g["name"] for g in listed["contactGroups"]}
    assert "Customers" in names
