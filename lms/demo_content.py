"""Content of the demo site: the home page in both languages and the demo accounts.

The page texts are content, not interface strings: each language has its own page
(one Wagtail translation per locale), so they are written out here rather than
marked for gettext.
"""

DEMO_PASSWORD = "sala-demo-2026"

HOME_PAGES = {
    "km": {
        "title": "រៀនជំនាញឌីជីថលជាមួយសាលា",
        "slug": "home",
        "intro": (
            "<p>សាលា គឺជាវេទិកាសិក្សាអក្ខរកម្មឌីជីថល ប្រព័ន្ធផ្សព្វផ្សាយ និងព័ត៌មាន"
            "សម្រាប់ប្រជាជនកម្ពុជា។ មេរៀនខ្លីៗជាភាសាខ្មែរ និងភាសាអង់គ្លេស "
            "លំហាត់អនុវត្តជាក់ស្តែង និងវិញ្ញាបនបត្រដែលបញ្ជាក់ពីសមត្ថភាពរបស់អ្នក "
            "ចាប់ពីការការពារគណនីរបស់អ្នក រហូតដល់ការផ្ទៀងផ្ទាត់ព័ត៌មាន"
            "មុនពេលចែករំលែក។</p>"
        ),
        "body": [
            {
                "type": "audience",
                "value": {
                    "audience": "civil_servant",
                    "heading": "មន្ត្រីរាជការ",
                    "text": (
                        "<p>ក្រសួងរបស់អ្នកកំណត់វគ្គបណ្តុះបណ្តាលដែលអ្នកត្រូវសិក្សា "
                        "ហើយវគ្គនីមួយៗមានកាលបរិច្ឆេទកំណត់ច្បាស់លាស់។ "
                        "អ្នកអាចរៀនតាមល្បឿនរបស់ខ្លួន តាមទូរស័ព្ទ ឬកុំព្យូទ័រ។</p>"
                        "<ul>"
                        "<li>វគ្គសិក្សាចាំបាច់ និងកាលបរិច្ឆេទកំណត់ "
                        "បង្ហាញនៅលើទំព័រសិក្សារបស់អ្នក</li>"
                        "<li>ការរំលឹកមុនពេលផុតកំណត់</li>"
                        "<li>ក្រសួងរបស់អ្នកមើលឃើញការបញ្ចប់វគ្គ "
                        "និងវិញ្ញាបនបត្ររបស់អ្នក</li>"
                        "</ul>"
                    ),
                    "link_label": "បង្កើតគណនី",
                    "link_page": None,
                    "link_url": "/km/accounts/signup/",
                },
            },
            {
                "type": "audience",
                "value": {
                    "audience": "student",
                    "heading": "និស្សិត",
                    "text": (
                        "<p>សាលារៀបចំការប្រកួតប្រជែងអក្ខរកម្មឌីជីថល "
                        "ដែលជាមូលដ្ឋានសម្រាប់ការផ្តល់អាហារូបករណ៍។ "
                        "បេក្ខជនគ្រប់រូបប្រឡងក្នុងលក្ខខណ្ឌដូចគ្នា។</p>"
                        "<ul>"
                        "<li><b>យុត្តិធម៌៖</b> សំណួរដកស្រង់ពីធនាគារសំណួរតែមួយ "
                        "និងដាក់ពិន្ទុដូចគ្នាសម្រាប់បេក្ខជនទាំងអស់</li>"
                        "<li><b>កំណត់ពេល៖</b> នាឡិកាចាប់ផ្តើមនៅពេលអ្នកចាប់ផ្តើមប្រឡង "
                        "ហើយចម្លើយត្រូវបានដាក់ស្នើដោយស្វ័យប្រវត្តិនៅពេលអស់ម៉ោង</li>"
                        "<li><b>ចំណាត់ថ្នាក់៖</b> លទ្ធផល និងចំណាត់ថ្នាក់"
                        "ត្រូវបានប្រកាសនៅពេលការប្រកួតបិទ</li>"
                        "</ul>"
                        "<p>ហ្វឹកហាត់ជាមួយវគ្គសិក្សាបើកចំហ មុនពេលការប្រកួតចាប់ផ្តើម។</p>"
                    ),
                    "link_label": "មើលសមត្ថភាពដែលត្រូវវាយតម្លៃ",
                    "link_page": None,
                    "link_url": "/km/framework/",
                },
            },
            {
                "type": "audience",
                "value": {
                    "audience": "trainer",
                    "heading": "គ្រូបណ្តុះបណ្តាល",
                    "text": (
                        "<p>រៀបចំការបណ្តុះបណ្តាលសម្រាប់ក្រសួង នាយកដ្ឋាន ឬថ្នាក់រៀន។ "
                        "ចាត់អ្នកសិក្សាជាក្រុមសិក្សា កំណត់វគ្គសិក្សា "
                        "និងកាលបរិច្ឆេទកំណត់ ហើយតាមដានវឌ្ឍនភាព"
                        "នៅលើផ្ទាំងគ្រប់គ្រងរបស់អ្នក។</p>"
                        "<ul>"
                        "<li>ក្រុមសិក្សា ដែលមានវគ្គសិក្សា "
                        "និងកាលបរិច្ឆេទកំណត់ផ្ទាល់ខ្លួន</li>"
                        "<li>ការចុះឈ្មោះអ្នកសិក្សារាប់រយនាក់ក្នុងពេលតែមួយ "
                        "ពីឯកសារ CSV ឬ Excel</li>"
                        "<li>ផ្ទាំងគ្រប់គ្រងបង្ហាញវឌ្ឍនភាព និងសមត្ថភាព</li>"
                        "<li>ការនាំចេញទិន្នន័យសម្រាប់របាយការណ៍របស់អ្នក</li>"
                        "</ul>"
                    ),
                    "link_label": "ចូលគណនី",
                    "link_page": None,
                    "link_url": "/km/accounts/login/",
                },
            },
            {"type": "heading", "value": "អ្វីដែលអ្នកនឹងរៀន"},
            {
                "type": "paragraph",
                "value": (
                    "<p>វគ្គសិក្សា និងសំណួរនីមួយៗភ្ជាប់ទៅនឹង"
                    '<a href="/km/framework/">ក្របខណ្ឌសមត្ថភាពអក្ខរកម្មឌីជីថល '
                    "ប្រព័ន្ធផ្សព្វផ្សាយ និងព័ត៌មាន</a>៖ "
                    "ការស្វែងរក និងវាយតម្លៃព័ត៌មាន ការទំនាក់ទំនងដោយសុវត្ថិភាព "
                    "ការបង្កើតខ្លឹមសារ និងការការពារខ្លួនពីការបោកប្រាស់តាមអនឡាញ។ "
                    "ដូច្នេះលទ្ធផលរបស់អ្នកបង្ហាញយ៉ាងច្បាស់ថា "
                    "អ្នកបានស្ទាត់សមត្ថភាពណាខ្លះ "
                    "និងកម្រិតណាដែលអ្នកត្រូវរៀនបន្ត។</p>"
                ),
            },
        ],
    },
    "en": {
        "title": "Learn digital skills with Sala",
        "slug": "home-en",
        "intro": (
            "<p>Sala is Cambodia's learning platform for digital, media and "
            "information literacy. Short lessons in Khmer and English, practical "
            "exercises and certificates that show what you can do: from protecting "
            "your accounts to checking the news before you share it.</p>"
        ),
        "body": [
            {
                "type": "audience",
                "value": {
                    "audience": "civil_servant",
                    "heading": "Civil servants",
                    "text": (
                        "<p>Your ministry assigns the training you need, each "
                        "course with a clear deadline. Learn at your own pace, on "
                        "your phone or your computer.</p>"
                        "<ul>"
                        "<li>Required courses and their deadlines, listed on your "
                        "learning page</li>"
                        "<li>Reminders before a deadline</li>"
                        "<li>Your ministry sees your completions and "
                        "certificates</li>"
                        "</ul>"
                    ),
                    "link_label": "Create your account",
                    "link_page": None,
                    "link_url": "/en/accounts/signup/",
                },
            },
            {
                "type": "audience",
                "value": {
                    "audience": "student",
                    "heading": "Students",
                    "text": (
                        "<p>Sala runs the digital literacy competitions that "
                        "decide scholarships. Every candidate sits them under the "
                        "same conditions.</p>"
                        "<ul>"
                        "<li><b>Fair:</b> questions drawn from one bank and scored "
                        "the same way for every candidate</li>"
                        "<li><b>Timed:</b> the clock starts when you begin, and "
                        "your answers are submitted automatically when time runs "
                        "out</li>"
                        "<li><b>Ranked:</b> results and rankings are published "
                        "when the competition closes</li>"
                        "</ul>"
                        "<p>Practise with the open courses before the competition "
                        "opens.</p>"
                    ),
                    "link_label": "See the competences assessed",
                    "link_page": None,
                    "link_url": "/en/framework/",
                },
            },
            {
                "type": "audience",
                "value": {
                    "audience": "trainer",
                    "heading": "Trainers",
                    "text": (
                        "<p>Run training for a ministry, a department or a class. "
                        "Group learners into cohorts, assign courses with due "
                        "dates and follow progress on your dashboard.</p>"
                        "<ul>"
                        "<li>Cohorts with their own courses and deadlines</li>"
                        "<li>Enrol hundreds of learners at once from a CSV or "
                        "Excel file</li>"
                        "<li>Dashboards of progress and competences</li>"
                        "<li>Exports for your reports</li>"
                        "</ul>"
                    ),
                    "link_label": "Log in",
                    "link_page": None,
                    "link_url": "/en/accounts/login/",
                },
            },
            {"type": "heading", "value": "What you will learn"},
            {
                "type": "paragraph",
                "value": (
                    "<p>Every course and question is tied to the "
                    '<a href="/en/framework/">digital, media and information '
                    "literacy competency framework</a>: finding and evaluating "
                    "information, communicating safely, creating content and "
                    "protecting yourself from online scams. Your results show "
                    "which competences you have mastered and what to learn "
                    "next.</p>"
                ),
            },
        ],
    },
}

# One account per role. "institution" is an accounts.Institution code.
DEMO_ACCOUNTS = [
    {
        "email": "learner@sala.demo",
        "role": "Learner",
        "profile": {
            "full_name_km": "សុខ ដារា",
            "full_name_latin": "SOK Dara",
            "learner_kind": "civil_servant",
            "institution": "mptc",
            "position": "Deputy Director of Department",
            "phone": "012 345 678",
            "preferred_language": "km",
        },
    },
    {
        "email": "student@sala.demo",
        "role": "Learner",
        "profile": {
            "full_name_km": "ចាន់ សុភា",
            "full_name_latin": "CHAN Sophea",
            "learner_kind": "student",
            "institution": "rupp",
            "position": "Year 3, Computer Science",
            "preferred_language": "km",
        },
    },
    {
        "email": "trainer@sala.demo",
        "role": "Trainer",
        "profile": {
            "full_name_km": "កែវ វណ្ណា",
            "full_name_latin": "KEO Vanna",
            "learner_kind": "civil_servant",
            "institution": "mptc",
            "position": "Digital literacy trainer",
            "preferred_language": "km",
        },
    },
    {
        "email": "editor@sala.demo",
        "role": "Editor",
        "is_staff": True,
        "profile": {
            "full_name_km": "ម៉ៅ ស្រីនិច",
            "full_name_latin": "MAO Sreynich",
            "learner_kind": "other",
            "position": "Content editor",
            "preferred_language": "en",
        },
    },
    {
        "email": "admin@sala.demo",
        "role": "Administrator",
        "is_staff": True,
        "is_superuser": True,
        "profile": {
            "full_name_km": "ហេង សំណាង",
            "full_name_latin": "HENG Samnang",
            "learner_kind": "other",
            "position": "Platform administrator",
            "preferred_language": "en",
        },
    },
]
