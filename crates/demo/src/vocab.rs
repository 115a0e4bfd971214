//! The words the demonstration organization is made of. Lists are fixed so
//! that a seed always yields the same organization; their order matters.

pub const FIRST_NAMES: &[&str] = &[
    "Ada", "Adrien", "Aisha", "Akira", "Alba", "Alejandro", "Amara", "Amelie", "Anders", "Ana",
    "Andrea", "Anika", "Arjun", "Astrid", "Ben", "Bianca", "Bruno", "Camille", "Carlos", "Chen",
    "Chiara", "Chloe", "Daniel", "Dara", "David", "Diego", "Elena", "Elif", "Emeka", "Emma",
    "Erik", "Fatima", "Felix", "Freya", "Gabriel", "Grace", "Hana", "Hannah", "Hugo", "Ibrahim",
    "Ines", "Ingrid", "Isaac", "Jamal", "Javier", "Jin", "Jonas", "Julia", "Kai", "Kenji",
    "Khadija", "Lars", "Laura", "Leila", "Leo", "Lina", "Lucas", "Luca", "Maya", "Mateo", "Mei",
    "Mila", "Mohammed", "Nadia", "Naomi", "Nils", "Noah", "Nora", "Olivia", "Omar", "Oscar",
    "Paula", "Pedro", "Priya", "Rafael", "Ravi", "Rosa", "Ruth", "Sami", "Sara", "Sofia", "Sven",
    "Tariq", "Theo", "Tomas", "Valentina", "Victor", "Yara", "Yusuf", "Zoe", "Wanjiru", "Kwame",
    "Siobhan", "Mirela", "Dmitri", "Ayumi", "Lucia", "Henrik", "Farah", "Tomasz",
];

pub const LAST_NAMES: &[&str] = &[
    "Abebe", "Alvarez", "Andersson", "Bakker", "Banerjee", "Becker", "Bianchi", "Brown",
    "Carvalho", "Chen", "Costa", "Dubois", "Eriksen", "Fernandes", "Fischer", "Garcia", "Gomez",
    "Hansen", "Haddad", "Hoffmann", "Ivanova", "Jansen", "Johansson", "Kapoor", "Kaya", "Kim",
    "Kowalski", "Larsen", "Laurent", "Lee", "Lindqvist", "Lopez", "Martin", "Meyer", "Moreau",
    "Muller", "Murphy", "Nakamura", "Nguyen", "Novak", "Okafor", "Olsen", "Osei", "Park", "Patel",
    "Perez", "Petrov", "Rahman", "Ramos", "Rossi", "Santos", "Sato", "Schmidt", "Silva", "Singh",
    "Smith", "Suzuki", "Tanaka", "Thomas", "Torres", "Van Dijk", "Vogel", "Wagner", "Wang",
    "Weber", "Wilson", "Wong", "Yamamoto", "Yilmaz", "Zhang", "Ali", "Diallo", "Mensah",
    "Horvath", "Popescu", "Nielsen", "Kowalczyk", "Virtanen", "O'Brien", "Mwangi", "Ortega",
    "Lindgren", "Castillo", "Dimitrov", "Achterberg", "Fontaine", "Kariuki", "Moretti",
];

pub const CITIES: &[&str] = &[
    "Lyon", "Rotterdam", "Hamburg", "Turin", "Barcelona", "Krakow", "Gothenburg", "Leeds",
    "Dublin", "Porto", "Austin", "Monterrey", "Sao Paulo", "Pune", "Bangalore", "Shenzhen",
    "Singapore", "Osaka", "Melbourne", "Johannesburg", "Nairobi", "Toronto", "Montreal",
    "Chicago", "Atlanta", "Brno", "Tampere", "Eindhoven", "Grenoble", "Bilbao",
];

/// A business unit: its departments, the individual-contributor titles its
/// people hold, and the knowledge domains (indexes into [`DOMAINS`]) its
/// people tend to know.
pub struct BusinessUnit {
    pub name: &'static str,
    pub description: &'static str,
    pub departments: &'static [&'static str],
    pub titles: &'static [&'static str],
    pub domains: &'static [usize],
}

/// Business units in the order they are created; the first five always
/// exist, so the demo accounts' departments are always there.
pub const BUSINESS_UNITS: &[BusinessUnit] = &[
    BusinessUnit {
        name: "Digital & Technology",
        description: "Platforms, data and the systems the organization runs on.",
        departments: &[
            "Data platform",
            "Cloud & infrastructure",
            "Cybersecurity",
            "Enterprise applications",
            "Digital workplace",
        ],
        titles: &[
            "data engineer",
            "software engineer",
            "cloud engineer",
            "security analyst",
            "business analyst",
            "site reliability engineer",
        ],
        domains: &[0, 1, 2, 3, 4, 5, 6, 7],
    },
    BusinessUnit {
        name: "Research & Development",
        description: "New materials, processes and products, from the lab to the first series.",
        departments: &[
            "Process engineering",
            "Materials research",
            "Product design",
            "Test laboratories",
            "Applied AI",
        ],
        titles: &[
            "process engineer",
            "research scientist",
            "design engineer",
            "lab technician",
            "materials scientist",
            "test engineer",
        ],
        domains: &[10, 11, 12, 1, 8, 35, 36, 34],
    },
    BusinessUnit {
        name: "Manufacturing",
        description: "The plants: production, quality, maintenance and safety.",
        departments: &[
            "Plant operations",
            "Quality assurance",
            "Maintenance",
            "Health & safety",
            "Industrial engineering",
        ],
        titles: &[
            "production engineer",
            "quality engineer",
            "maintenance technician",
            "safety officer",
            "mechanical engineer",
            "shift supervisor",
        ],
        domains: &[13, 14, 15, 16, 17, 11, 35, 36, 33],
    },
    BusinessUnit {
        name: "Corporate Services",
        description: "People, strategy, law, finance and communication for the whole organization.",
        departments: &[
            "People & culture",
            "Strategy & knowledge",
            "Legal",
            "Finance",
            "Communications",
        ],
        titles: &[
            "HR business partner",
            "legal counsel",
            "financial analyst",
            "communications specialist",
            "learning designer",
            "controller",
        ],
        domains: &[22, 23, 24, 25, 29, 30, 31, 32],
    },
    BusinessUnit {
        name: "Supply Chain",
        description: "Buying, planning, moving and storing what the plants need and make.",
        departments: &[
            "Procurement",
            "Logistics",
            "Demand planning",
            "Warehousing",
            "Supplier quality",
        ],
        titles: &[
            "buyer",
            "logistics coordinator",
            "demand planner",
            "warehouse lead",
            "supplier quality engineer",
            "category manager",
        ],
        domains: &[18, 19, 20, 21, 13, 33, 25],
    },
    BusinessUnit {
        name: "Commercial",
        description: "Customers: sales, marketing, pricing and service.",
        departments: &[
            "Sales",
            "Marketing",
            "Customer success",
            "Pricing",
            "Key accounts",
        ],
        titles: &[
            "account manager",
            "marketing specialist",
            "customer success manager",
            "pricing analyst",
            "sales engineer",
            "UX researcher",
        ],
        domains: &[26, 27, 28, 7, 9, 2],
    },
    BusinessUnit {
        name: "Energy Solutions",
        description: "Energy products and services for industrial customers.",
        departments: &[
            "Grid systems",
            "Energy services",
            "Field engineering",
            "Project delivery",
            "Product management",
        ],
        titles: &[
            "electrical engineer",
            "field engineer",
            "project engineer",
            "energy consultant",
            "product manager",
            "commissioning engineer",
        ],
        domains: &[34, 36, 37, 33, 9, 16],
    },
    BusinessUnit {
        name: "Customer Services",
        description: "After-sales service, repairs and technical support.",
        departments: &[
            "Technical support",
            "Field service",
            "Spare parts",
            "Service engineering",
            "Contact centre",
        ],
        titles: &[
            "support engineer",
            "service technician",
            "parts planner",
            "service engineer",
            "support agent",
            "knowledge base editor",
        ],
        domains: &[26, 15, 32, 20, 14],
    },
    BusinessUnit {
        name: "Risk & Compliance",
        description: "Internal control, audit, compliance and enterprise risk.",
        departments: &[
            "Internal audit",
            "Compliance",
            "Enterprise risk",
            "Data governance",
            "Insurance",
        ],
        titles: &[
            "auditor",
            "compliance officer",
            "risk analyst",
            "data steward",
            "privacy specialist",
            "insurance specialist",
        ],
        domains: &[23, 25, 22, 17, 4, 0],
    },
];

/// Knowledge domains: name and one-line description. Indexes are used by
/// [`BusinessUnit::domains`] and [`SUBTOPICS`].
pub const DOMAINS: &[(&str, &str)] = &[
    ("Data engineering", "Pipelines, warehouses and the quality of the data everyone relies on."),
    ("Machine learning", "Models that learn from data, from first experiment to production."),
    ("Data visualization", "Charts and dashboards people would rather look at than read."),
    ("Cloud infrastructure", "Running workloads on public and private clouds, reliably and at a sane cost."),
    ("Security", "Protecting people, systems and data from those who would misuse them."),
    ("Software architecture", "How systems are cut into parts and how the parts talk."),
    ("DevOps", "Building, testing, releasing and operating software as one flow."),
    ("UX research", "Learning what users actually need before and after we build it."),
    ("Additive manufacturing", "Printing parts in metal and polymer, from design rules to post-processing."),
    ("Product management", "Deciding what to build, for whom and why."),
    ("Process engineering", "Designing and improving the chemical and physical processes of production."),
    ("Materials science", "How materials behave, fail and can be made better."),
    ("Simulation", "Finite elements, fluid dynamics and digital twins."),
    ("Quality management", "Making quality a property of the process rather than an inspection."),
    ("Lean manufacturing", "Flow, waste and continuous improvement on the shop floor."),
    ("Predictive maintenance", "Repairing machines just before they break, using their own signals."),
    ("Safety engineering", "Designing hazards out of plants, products and work."),
    ("Environmental compliance", "Permits, emissions and the rules our sites live under."),
    ("Supply chain", "The end-to-end flow of goods from suppliers to customers."),
    ("Procurement", "Choosing suppliers, negotiating and managing what we buy."),
    ("Logistics", "Transport, customs and getting things where they are needed on time."),
    ("Demand planning", "Forecasting what customers will want and planning to meet it."),
    ("Contract law", "Drafting, negotiating and living with contracts."),
    ("Data protection", "Personal data, privacy law and doing right by the people in our data."),
    ("Financial planning", "Budgets, forecasts and the numbers behind decisions."),
    ("Risk management", "Seeing what could go wrong and deciding what to do about it."),
    ("Customer experience", "Every moment a customer has with us, and how to make it better."),
    ("Pricing", "Setting prices that customers accept and that pay for the work."),
    ("Technical sales", "Selling complex products by understanding the customer's problem."),
    ("Change management", "Helping people through changes in how they work."),
    ("Leadership development", "Growing leaders at every level of the organization."),
    ("Learning design", "Courses, coaching and on-the-job learning that actually sticks."),
    ("Knowledge management", "Keeping what the organization knows findable and alive."),
    ("Sustainability", "Reducing our footprint and helping customers reduce theirs."),
    ("Energy efficiency", "Using less energy for the same work, in our plants and our products."),
    ("Robotics", "Robots and cobots on the line and in the warehouse."),
    ("Electrical engineering", "Power electronics, drives, controls and the grid."),
    ("Project management", "Delivering projects on time, on budget and with people still smiling."),
];

/// Narrower subjects per domain, used to name communities and threads.
pub const SUBTOPICS: &[&[&str]] = &[
    &["Streaming", "Data quality", "Lakehouse", "Data contracts"],
    &["MLOps", "Computer vision", "Forecasting", "Language models"],
    &["Dashboards", "Storytelling with data", "Geospatial"],
    &["Kubernetes", "FinOps", "Platform engineering"],
    &["Incident response", "Application security", "Identity", "OT security"],
    &["Event-driven systems", "APIs", "Legacy modernization"],
    &["CI/CD", "Observability", "Infrastructure as code"],
    &["Field studies", "Usability testing", "Accessibility"],
    &["Metal printing", "Polymer printing", "Design for AM"],
    &["Discovery", "Roadmapping", "Product analytics"],
    &["Scale-up", "Process control", "Separation"],
    &["Composites", "Corrosion", "Coatings", "Failure analysis"],
    &["CFD", "FEA", "Digital twins"],
    &["ISO 9001", "Root cause analysis", "Statistical process control"],
    &["Kaizen", "Value stream mapping", "5S"],
    &["Vibration analysis", "Condition monitoring", "Reliability"],
    &["Functional safety", "Process safety", "Ergonomics"],
    &["Emissions", "Waste", "Water"],
    &["Network design", "Resilience", "Traceability"],
    &["Sourcing", "Supplier development", "Negotiation"],
    &["Customs", "Transport planning", "Last mile"],
    &["S&OP", "Forecasting", "Inventory"],
    &["Supply contracts", "Licensing", "Claims"],
    &["GDPR", "Privacy by design", "Records"],
    &["Budgeting", "Business cases", "Cost modelling"],
    &["Enterprise risk", "Business continuity", "Insurance"],
    &["Service design", "Voice of the customer", "Complaints"],
    &["Value pricing", "Quotes", "Price analytics"],
    &["Solution selling", "Tenders", "Demos"],
    &["Transformation", "Adoption", "Communication"],
    &["First-line managers", "Mentoring", "Coaching"],
    &["E-learning", "Onboarding", "Apprenticeships"],
    &["Lessons learned", "Wikis", "Expertise location"],
    &["Carbon accounting", "Circularity", "Reporting"],
    &["Heat recovery", "Compressed air", "Motors"],
    &["Cobots", "Machine vision", "AGVs"],
    &["Power electronics", "Drives", "Controls"],
    &["Agile delivery", "Planning", "Risk registers"],
];

/// How a community names itself around a domain: `{}` is the domain or
/// subtopic.
pub const COMMUNITY_PATTERNS: &[&str] = &[
    "{} community",
    "{} guild",
    "{} practitioners",
    "{} circle",
    "{} network",
    "{} forum",
    "{} exchange",
    "{} club",
];

pub const BIO_OPENINGS: &[&str] = &[
    "Has worked on",
    "Spends most days on",
    "Joined to work on",
    "Curious about everything around",
    "Cares a lot about",
    "Came from a supplier and now works on",
];

pub const BIO_CLOSINGS: &[&str] = &[
    "Happy to help newcomers find their way.",
    "Always up for a hard problem.",
    "Collects lessons learned the hard way.",
    "Likes to turn good stories into good practice.",
    "Ask about the last plant start-up.",
    "Believes most problems were solved before, somewhere else.",
    "Prefers a whiteboard to a slide deck.",
    "Mentors apprentices on the side.",
];

pub const PURPOSES: &[&str] = &[
    "Help each other solve the hard problems of {} and keep what we learn.",
    "Share stories, tools and lessons learned about {} across sites.",
    "Build and steward the organization's standards for {}.",
    "Bring together everyone who works on {}, wherever they sit.",
    "Make {} easier for the next person: answer questions, write things down.",
    "Learn {} together, from first steps to mastery.",
];

/// Reasons recorded with a stage move, by the stage moved to.
pub fn stage_reason(to: &str, variant: usize) -> &'static str {
    let options: &[&str] = match to {
        "coalescing" => &[
            "first meetings held; people keep coming back",
            "we found each other at the kick-off and want to keep going",
            "enough people asking and answering to call it a community",
        ],
        "maturing" => &[
            "charter written, coordinator and core group agreed",
            "launch workshop held; regular rhythm set",
            "we are committing to the domain and need roles",
        ],
        "stewardship" => &[
            "standards published and endorsed by the core group",
            "the community now trains newcomers and owns the playbook",
            "steady rhythm for a year; taking on harder problems",
        ],
        "transformation" => &[
            "the domain is shifting; renewal workshop planned",
            "attendance dropped; time to decide how to renew",
            "the core group is moving on; looking for a new direction",
        ],
        "memory" => &[
            "closed after a renewal review; knowledge kept for reference",
            "merged into a broader community; this space is now read-only",
            "the domain is no longer practised here; resources archived",
        ],
        "potential" => &["restarting from scratch with a new group"],
        _ => &["renewed with a new core group"],
    };
    options[variant % options.len()]
}
