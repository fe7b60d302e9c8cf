"""What people write in the synthetic evidence: statements per incident category and in-app
messages, in each language the demo people write (English and Mexican Spanish).

Each category's statements describe that kind of incident, told from each author's side:

- ``reporter``: the other party on the trip (a rider reporting a driver, or the reverse), in the
  first person; up to three statements of one incident come from reporters, so each category
  has three lines that read as one story (the report, then follow-ups).
- ``reported_account``: the account under review answering the report (once per incident).
- ``witness``: someone who was with them or nearby.
- ``detected``: a note by the platform's own monitoring, for incidents no person reported
  (fraud detection, identity checks); other categories use ``PLATFORM_NOTE``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Language = Literal["en", "es"]
"""A language the synthetic people write in."""

LANGUAGES: tuple[Language, ...] = ("en", "es")

Role = Literal["driver", "rider"]

Lines = dict[Language, tuple[str, ...]]


@dataclass(frozen=True)
class CategoryLines:
    """The statements people write about one category of incident."""

    reviewed_role: Role
    """Who this kind of incident is reported against (a driver drives, so only a driver is
    reported for dangerous driving); the reporter is the trip's other party."""
    reporter: Lines
    reported_account: Lines
    witness: Lines
    detected: Lines | None = None


PLATFORM_NOTE: Lines = {
    "en": ("Safety team: this case was opened from the platform's own monitoring of this trip.",),
    "es": (
        "Equipo de seguridad: este caso se abrió por el monitoreo propio de la plataforma "
        "sobre este viaje.",
    ),
}
"""The first statement of an incident no person on the trip reported, when its category has
no ``detected`` note of its own."""

STATEMENTS: dict[str, CategoryLines] = {
    "physical_assault": CategoryLines(
        reviewed_role="rider",
        reporter={
            "en": (
                "The rider got angry about the route and hit me on the shoulder while I was "
                "driving.",
                "I stopped the car after the rider struck me and asked them to get out; at "
                "first they refused.",
                "My shoulder still hurts where the rider hit me. I have photos if the team "
                "needs them.",
            ),
            "es": (
                "El pasajero se enojó por la ruta y me golpeó en el hombro mientras yo manejaba.",
                "Detuve el auto después de que el pasajero me golpeó y le pedí que se bajara; "
                "al principio no quiso.",
                "Todavía me duele el hombro donde me pegó el pasajero. Tengo fotos por si el "
                "equipo las necesita.",
            ),
        },
        reported_account={
            "en": (
                "We argued about the route, but I never hit the driver.",
                "I only touched the driver's shoulder to ask them to stop; I did not strike "
                "anyone.",
            ),
            "es": (
                "Discutimos por la ruta, pero yo nunca golpeé al conductor.",
                "Solo le toqué el hombro al conductor para pedirle que se detuviera; no le pegué "
                "a nadie.",
            ),
        },
        witness={
            "en": (
                "I was in the back seat and saw the rider hit the driver on the shoulder during "
                "the argument.",
                "I heard the argument about the route and then a blow; the driver pulled over "
                "right after.",
            ),
            "es": (
                "Iba en el asiento de atrás y vi cómo el pasajero le pegó al conductor en el "
                "hombro durante la discusión.",
                "Escuché la discusión por la ruta y luego un golpe; el conductor se orilló justo "
                "después.",
            ),
        },
    ),
    "sexual_misconduct": CategoryLines(
        reviewed_role="driver",
        reporter={
            "en": (
                "The driver kept making comments about my body and asked if I was single.",
                "At a red light the driver put a hand on my knee; I moved away and asked them "
                "to stop.",
                "I asked to end the trip early because the driver's comments made me feel unsafe.",
            ),
            "es": (
                "El conductor no dejaba de hacer comentarios sobre mi cuerpo y me preguntó si "
                "tenía pareja.",
                "En un semáforo el conductor me puso la mano en la rodilla; me hice a un lado y "
                "le pedí que parara.",
                "Pedí terminar el viaje antes porque los comentarios del conductor me dieron "
                "miedo.",
            ),
        },
        reported_account={
            "en": (
                "I was only making conversation; I never touched the rider.",
                "The rider misunderstood a joke; I apologised when I saw they were uncomfortable.",
            ),
            "es": (
                "Solo estaba platicando; nunca toqué a nadie.",
                "Fue un malentendido con una broma; me disculpé cuando vi que se sentía "
                "incómoda la persona.",
            ),
        },
        witness={
            "en": (
                "I was on a call with my friend during the ride and heard the driver asking "
                "personal questions.",
                "I met my friend at the drop-off; they were shaking and told me the driver had "
                "touched their knee.",
            ),
            "es": (
                "Estaba en llamada con mi amiga durante el viaje y escuché al conductor hacerle "
                "preguntas personales.",
                "Recibí a mi amiga en el destino; estaba temblando y me contó que el conductor "
                "le tocó la rodilla.",
            ),
        },
    ),
    "threats_harassment": CategoryLines(
        reviewed_role="rider",
        reporter={
            "en": (
                "The rider insulted me for most of the trip because of the traffic.",
                "When the trip ended the rider said they would find me and make me regret it.",
                "At the drop-off the rider kept shouting insults at me through the window "
                "before walking away.",
            ),
            "es": (
                "El pasajero me insultó casi todo el viaje por el tráfico.",
                "Al terminar el viaje, el pasajero me dijo que me iba a buscar y que me iba a "
                "arrepentir.",
                "Ya en el destino, el pasajero siguió gritándome insultos por la ventana antes "
                "de irse.",
            ),
        },
        reported_account={
            "en": (
                "I was frustrated by the delay and said things I regret, but I never "
                "threatened anyone.",
                "I raised my voice about the route; I did not threaten the driver.",
            ),
            "es": (
                "Estaba frustrado por el retraso y dije cosas de las que me arrepiento, pero "
                "nunca amenacé a nadie.",
                "Alcé la voz por la ruta; no amenacé al conductor.",
            ),
        },
        witness={
            "en": (
                "I was waiting at the drop-off and heard the rider tell the driver they would "
                "find them.",
                "I was in the car and heard the rider insult the driver several times.",
            ),
            "es": (
                "Estaba esperando en el destino y escuché al pasajero decirle al conductor que "
                "lo iba a buscar.",
                "Iba en el auto y escuché al pasajero insultar al conductor varias veces.",
            ),
        },
    ),
    "discrimination": CategoryLines(
        reviewed_role="driver",
        reporter={
            "en": (
                "When the driver saw my guide dog, they said they do not take animals and "
                "started to pull away.",
                "I explained that guide dogs are allowed; the driver only let us in after I "
                "insisted.",
                "The driver complained about my dog for the whole trip and told me not to book "
                "them again.",
            ),
            "es": (
                "Cuando el conductor vio a mi perro guía, dijo que no lleva animales y empezó a "
                "arrancar.",
                "Le expliqué que los perros guía están permitidos; el conductor solo nos dejó "
                "subir porque insistí.",
                "El conductor se quejó de mi perro todo el viaje y me dijo que no lo volviera a "
                "pedir.",
            ),
        },
        reported_account={
            "en": (
                "I have an allergy and asked about the dog; I did take the rider in the end.",
                "I did not know it was a guide dog at first; once I understood, I drove the trip.",
            ),
            "es": (
                "Tengo alergia y pregunté por el perro; al final sí llevé al pasajero.",
                "Al principio no sabía que era un perro guía; cuando lo entendí, hice el viaje.",
            ),
        },
        witness={
            "en": (
                "I was helping my friend into the car and heard the driver say they do not "
                "take animals.",
                "I rode along and heard the driver complain about the guide dog the whole way.",
            ),
            "es": (
                "Estaba ayudando a mi amigo a subir y escuché al conductor decir que no lleva "
                "animales.",
                "Iba con mi amigo y escuché al conductor quejarse del perro guía todo el camino.",
            ),
        },
    ),
    "dangerous_driving": CategoryLines(
        reviewed_role="driver",
        reporter={
            "en": (
                "The driver was going far too fast and ran at least two red lights.",
                "I asked the driver to slow down several times and they kept speeding.",
                "The driver was weaving between lanes and braking hard at the last second.",
            ),
            "es": (
                "El conductor iba demasiado rápido y se pasó al menos dos semáforos en rojo.",
                "Le pedí varias veces al conductor que bajara la velocidad y siguió acelerando.",
                "El conductor se metía entre los carriles y frenaba de golpe en el último segundo.",
            ),
        },
        reported_account={
            "en": (
                "I drove at the speed of traffic and stopped at every red light.",
                "I braked hard once because a car cut in front of me; the rest of the trip was "
                "normal.",
            ),
            "es": (
                "Manejé a la velocidad del tráfico y me detuve en todos los semáforos en rojo.",
                "Frené fuerte una vez porque un carro se me cerró; el resto del viaje fue normal.",
            ),
        },
        witness={
            "en": (
                "I was in the back seat; the car was going very fast and went through a red light.",
                "I was riding with my friend and held on to the seat because of how fast the "
                "driver was going.",
            ),
            "es": (
                "Iba en el asiento de atrás; el auto iba muy rápido y se pasó un semáforo en rojo.",
                "Iba con mi amiga y me agarré del asiento por lo rápido que manejaba el conductor.",
            ),
        },
    ),
    "impaired_driving": CategoryLines(
        reviewed_role="driver",
        reporter={
            "en": (
                "The car smelled of alcohol and the driver's speech was slurred.",
                "The driver kept drifting between lanes and almost hit the median.",
                "I asked to get out early because it was clear the driver had been drinking.",
            ),
            "es": (
                "El auto olía a alcohol y el conductor arrastraba las palabras.",
                "El conductor se iba de un carril a otro y casi se sube al camellón.",
                "Pedí bajarme antes porque se notaba que el conductor había tomado.",
            ),
        },
        reported_account={
            "en": (
                "I had not been drinking; the smell was from a drink a previous rider spilled.",
                "The road was uneven and I corrected the steering, but I was not impaired.",
            ),
            "es": (
                "No había tomado; el olor era de una bebida que derramó un pasajero anterior.",
                "El camino estaba disparejo y corregí el volante, pero no estaba bajo los "
                "efectos de nada.",
            ),
        },
        witness={
            "en": (
                "I was with my friend and also smelled alcohol as soon as we got in.",
                "I saw the car drift over the lane lines more than once and told my friend to "
                "ask to stop.",
            ),
            "es": (
                "Iba con mi amigo y también olí alcohol en cuanto nos subimos.",
                "Vi que el auto se salía del carril más de una vez y le dije a mi amigo que "
                "pidiera bajarse.",
            ),
        },
    ),
    "weapons": CategoryLines(
        reviewed_role="rider",
        reporter={
            "en": (
                "During an argument the rider showed me a knife and told me to keep driving.",
                "When I saw the knife in the mirror I pulled over at a busy corner and asked "
                "the rider to get out.",
                "I was scared for my life once I saw the knife and ended the trip as soon as I "
                "could.",
            ),
            "es": (
                "Durante una discusión el pasajero me enseñó una navaja y me dijo que siguiera "
                "manejando.",
                "Cuando vi la navaja por el espejo me orillé en una esquina con gente y le pedí "
                "al pasajero que se bajara.",
                "Tuve mucho miedo cuando vi la navaja y terminé el viaje en cuanto pude.",
            ),
        },
        reported_account={
            "en": (
                "I carry a small tool for work; I took it out of my pocket to sit comfortably, "
                "not to threaten anyone.",
                "I never pointed anything at the driver.",
            ),
            "es": (
                "Cargo una herramienta pequeña para el trabajo; la saqué del bolsillo para "
                "sentarme, no para amenazar a nadie.",
                "Nunca le apunté nada al conductor.",
            ),
        },
        witness={
            "en": (
                "I was in the car with the rider and saw the knife come out during the argument.",
                "I saw the driver pull over and the rider get out with a knife in their hand.",
            ),
            "es": (
                "Iba en el auto con el pasajero y vi que sacó la navaja durante la discusión.",
                "Vi que el conductor se orilló y que el pasajero se bajó con una navaja en la "
                "mano.",
            ),
        },
    ),
    "fraud": CategoryLines(
        reviewed_role="driver",
        reporter={
            "en": (
                "The driver took a long detour and the fare was almost double what the app "
                "estimated.",
                "The driver ignored the app's route and went the long way around.",
                "When I asked about the route the driver said the app was wrong, but there was "
                "no traffic.",
            ),
            "es": (
                "El conductor dio una vuelta muy larga y la tarifa salió casi al doble de lo que "
                "estimó la app.",
                "El conductor no siguió la ruta de la app y se fue por el camino más largo.",
                "Cuando le pregunté por la ruta, el conductor dijo que la app estaba mal, pero "
                "no había tráfico.",
            ),
        },
        reported_account={
            "en": (
                "The suggested route had a closed street, so I took the detour the traffic "
                "allowed.",
                "I follow the navigation app; any longer route was because of road works.",
            ),
            "es": (
                "La ruta sugerida tenía una calle cerrada, así que tomé la desviación que "
                "permitía el tráfico.",
                "Sigo la app de navegación; si la ruta fue más larga fue por obras en el camino.",
            ),
        },
        witness={
            "en": (
                "I was riding along and noticed we passed the same avenue twice.",
                "My friend showed me the app's route during the trip; the driver was going "
                "another way.",
            ),
            "es": (
                "Iba en el viaje y noté que pasamos dos veces por la misma avenida.",
                "Mi amigo me enseñó la ruta de la app durante el viaje; el conductor iba por "
                "otro lado.",
            ),
        },
        detected={
            "en": (
                "Fraud detection: this trip's route was far longer than the suggested one, as "
                "were several of the driver's recent trips.",
            ),
            "es": (
                "Detección de fraude: la ruta de este viaje fue mucho más larga que la "
                "sugerida, igual que en varios viajes recientes del conductor.",
            ),
        },
    ),
    "unsafe_vehicle": CategoryLines(
        reviewed_role="driver",
        reporter={
            "en": (
                "The rear door would not open from the inside and I had to climb out the other "
                "side.",
                "None of the seat belts in the back worked.",
                "A warning light was on for the whole trip and the brakes made a grinding noise.",
            ),
            "es": (
                "La puerta trasera no abría por dentro y tuve que salirme por el otro lado.",
                "Ninguno de los cinturones de seguridad de atrás funcionaba.",
                "Hubo un testigo encendido en el tablero todo el viaje y los frenos rechinaban.",
            ),
        },
        reported_account={
            "en": (
                "The rear door sticks sometimes; I have booked the repair.",
                "The seat belts work if you pull them slowly; I will have them checked.",
            ),
            "es": (
                "La puerta de atrás a veces se atora; ya agendé la reparación.",
                "Los cinturones funcionan si se jalan despacio; los voy a mandar revisar.",
            ),
        },
        witness={
            "en": (
                "I rode with my friend and my seat belt would not latch either.",
                "I saw my friend struggle with the rear door at the drop-off; it only opened "
                "from the outside.",
            ),
            "es": (
                "Iba con mi amiga y mi cinturón tampoco abrochaba.",
                "Vi a mi amiga batallar con la puerta de atrás al llegar; solo abría por fuera.",
            ),
        },
    ),
    "identity_mismatch": CategoryLines(
        reviewed_role="driver",
        reporter={
            "en": (
                "The driver who picked me up was not the person in the app's photo.",
                "The car's plate did not match the one shown in the app.",
                "When I asked, the driver said they were using a relative's account.",
            ),
            "es": (
                "El conductor que me recogió no era la persona de la foto en la app.",
                "Las placas del auto no coincidían con las que mostraba la app.",
                "Cuando le pregunté, el conductor dijo que estaba usando la cuenta de un familiar.",
            ),
        },
        reported_account={
            "en": (
                "I am the account holder; I look different from my photo because I shaved my "
                "beard.",
                "I changed cars last week and have not updated the plate in the app yet.",
            ),
            "es": (
                "Soy el titular de la cuenta; me veo distinto a mi foto porque me quité la barba.",
                "Cambié de auto la semana pasada y todavía no actualizo las placas en la app.",
            ),
        },
        witness={
            "en": (
                "I checked the app with my friend when the car arrived; the face and the plate "
                "were both different.",
                "I was with my friend and the driver told us the account belonged to a brother.",
            ),
            "es": (
                "Revisé la app con mi amiga cuando llegó el auto; ni la cara ni las placas "
                "coincidían.",
                "Iba con mi amigo y el conductor nos dijo que la cuenta era de su hermano.",
            ),
        },
        detected={
            "en": (
                "Identity check: the selfie taken at the start of this trip does not match the "
                "driver's profile photo.",
            ),
            "es": (
                "Verificación de identidad: la selfie tomada al inicio de este viaje no coincide "
                "con la foto de perfil del conductor.",
            ),
        },
    ),
    "property_damage": CategoryLines(
        reviewed_role="rider",
        reporter={
            "en": (
                "The rider kicked the back of my seat for much of the trip and tore the "
                "upholstery.",
                "At the drop-off the rider slammed the rear door so hard that the window cracked.",
                "I sent photos of the torn seat and the cracked window, and the repair quote.",
            ),
            "es": (
                "El pasajero pateó el respaldo de mi asiento casi todo el viaje y rompió la "
                "vestidura.",
                "Al bajarse, el pasajero azotó la puerta trasera tan fuerte que se estrelló el "
                "vidrio.",
                "Mandé fotos del asiento roto y del vidrio estrellado, con la cotización de la "
                "reparación.",
            ),
        },
        reported_account={
            "en": (
                "The seat was already worn when I got in; I did not tear it.",
                "I closed the door normally; the window must have been cracked before.",
            ),
            "es": (
                "El asiento ya estaba gastado cuando me subí; yo no lo rompí.",
                "Cerré la puerta normal; el vidrio ya debía estar estrellado.",
            ),
        },
        witness={
            "en": (
                "I was in the car with the rider and saw them kicking the driver's seat.",
                "I was waiting outside, heard the door slam and then saw the crack in the window.",
            ),
            "es": (
                "Iba en el auto con el pasajero y vi que pateaba el asiento del conductor.",
                "Estaba esperando afuera, escuché el portazo y luego vi el vidrio estrellado.",
            ),
        },
    ),
    "other_policy_violation": CategoryLines(
        reviewed_role="driver",
        reporter={
            "en": (
                "The driver smoked in the car during the trip even after I asked them not to.",
                "There was another person in the front seat who the driver said was a friend.",
                "The driver made a personal stop on the way and I had to wait in the car.",
            ),
            "es": (
                "El conductor fumó dentro del auto durante el viaje aunque le pedí que no lo "
                "hiciera.",
                "Había otra persona en el asiento del copiloto que, según el conductor, era un "
                "amigo.",
                "El conductor hizo una parada personal en el camino y tuve que esperar en el auto.",
            ),
        },
        reported_account={
            "en": (
                "I did not smoke during the trip; the smell was from before my shift.",
                "My friend was only riding with me for a few blocks; I did not charge extra.",
            ),
            "es": (
                "No fumé durante el viaje; el olor era de antes de mi turno.",
                "Mi amigo solo iba conmigo unas cuadras; no cobré de más.",
            ),
        },
        witness={
            "en": (
                "I was on the trip with my friend and the car was full of cigarette smoke.",
                "I rode along and saw the driver's friend sitting in the front seat.",
            ),
            "es": (
                "Iba en el viaje con mi amiga y el auto estaba lleno de humo de cigarro.",
                "Iba en el viaje y vi al amigo del conductor sentado adelante.",
            ),
        },
    ),
}
"""Every category's statements, by the category's name in the review request."""


@dataclass(frozen=True)
class Message:
    """One in-app message a trip's party may send, in each language."""

    sender_role: Role
    text: dict[Language, str]


# Lines that make sense at any point of the ride, in any order.
MESSAGES = (
    Message(
        "driver",
        {
            "en": "Traffic is bad, I am taking another route.",
            "es": "Hay mucho tráfico, voy a tomar otra ruta.",
        },
    ),
    Message("rider", {"en": "Can you stop here please?", "es": "¿Se puede parar aquí, por favor?"}),
    Message("rider", {"en": "Why are we going this way?", "es": "¿Por qué vamos por aquí?"}),
    Message(
        "rider",
        {"en": "Please turn the music down.", "es": "¿Le puede bajar a la música, por favor?"},
    ),
)
SLOW_DOWN = Message("rider", {"en": "Please slow down.", "es": "Más despacio, por favor."})
"""Sent only on trips with a speeding event, shortly after it."""
