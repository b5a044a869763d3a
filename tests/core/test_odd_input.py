"""Odd input in a query, a form or an upload gets a clear answer, never a crash."""

from django.core.files.uploadedfile import SimpleUploadedFile


def test_odd_input_gets_a_clear_answer_not_a_crash(world, login):
    client = login(world.bob)
    assert client.get("/cadres/?unit=²").status_code == 200
    assert client.get("/compliance/?unit=²").status_code == 200
    bad_text = SimpleUploadedFile("h.csv", "身份证号码,学习日期,学时\n".encode("utf-16"))
    response = client.post("/hours/import/", {"file": bad_text})
    assert response.status_code == 200 and "UTF-8" in response.content.decode()
    alice = login(world.alice)
    assert alice.post("/delegations/", {"revoke": "abc"}).status_code == 404
    client = login(world.bob)
    response = client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": "",
            "mode": "quota",
            "response_deadline": "",
            "allocations": "code ²",
        },
    )
    assert response.status_code == 200
